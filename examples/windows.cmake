# SPDX-License-Identifier: MIT
# The Python twins that run in the Windows build, under wine: those of the classes and functions
# ported to Windows (docs/windows.md), with the output Windows gives. A name there is
# <TMPDIR>\tmpXXXXXXXX, with Windows' separator, as Python's on Windows is; the text-mode twins
# read back "\n" where the file holds "\r\n" (Python's os.linesep), so they print what the POSIX
# build prints. The others are built on POSIX systems only: spooled_stays_in_memory, which
# shows a TemporaryFile leaving no name in its directory: wine keeps the name, unopenable, until
# the file is closed, as Windows before 10 1709 does.
set(sep "\\\\")
tempfile_add_twin(gettempdir "^Default temp directory: TMPDIR_RE\n$")
tempfile_add_twin(gettempprefix "^Default temp file prefix: tmp\n$")
tempfile_add_twin(gettempdir_join_name "^TMPDIR_RE${sep}tmp_file\\.txt\n$")
tempfile_add_twin(mkstemp_close_and_remove
  "^File descriptor: [0-9]+\nFile path: TMPDIR_RE${sep}tmp${random8}\n$")
tempfile_add_twin(mkdtemp_remove_empty "^TMPDIR_RE${sep}tmp${random8}\n$")
tempfile_add_twin(mkdtemp_prefix_suffix "^TMPDIR_RE${sep}project${random8}dir\n$")
tempfile_add_twin(temporary_file_bytes "^b'Hello, World!'\n$")
tempfile_add_twin(temporary_file_text_attributes
  "^<tempfile::TemporaryFile name=[0-9]+ mode='w\\+' encoding='utf-8'>\n\
Hello world,\nWelcome to Pynerds\\.\n$")
tempfile_add_twin(temporary_file_text_scope "^Hello world,\nWelcome to Pynerds\\.\n$")
set(tell_re "temp_file\\.tell\\(\\): 13\n\
assert not temp_file\\.tell\\(\\) does not hold: Python raises AssertionError too\n")
tempfile_add_twin(temporary_file_tell "^${tell_re}$")
tempfile_add_twin(temporary_file_text_close
  "^data: Hello universe!\nfp\\.read\\(\\): Hello universe!\n$")
tempfile_add_twin(temporary_file_text_read_back "^Hello Shravan this is shravan\n$")
tempfile_add_twin(named_temporary_file_keep
  "^Temporary file name: TMPDIR_RE${sep}tmp${random8}\nkept: Data to write\n$")
tempfile_add_twin(named_temporary_file_name "^TMPDIR_RE${sep}tmp${random8}\n$")
tempfile_add_twin(named_temporary_file_prefix_suffix
  "^TMPDIR_RE${sep}project${random8}\\.py\n$")
tempfile_add_twin(named_temporary_file_tell "^${tell_re}$")
tempfile_add_twin(named_temporary_file_tmp_prefix_txt_suffix
  "^temp_file\\.name: TMPDIR_RE${sep}tmp_${random8}\\.txt\n${tell_re}$")
tempfile_add_twin(named_temporary_file_text_mode_refuses_bytes
  "^write\\(bytes\\): std::invalid_argument: \
tempfile: write: a text mode file takes and gives text \\(std::string_view\\)\n\
write\\(\"Hello, world!\"\\) -> 13\n${tell_re}$")
tempfile_add_twin(named_temporary_file_read_back "^Hello Shravan\n$")
tempfile_add_twin(closed_file_error "^ValueError: I/O operation on closed file\\.\n$")
tempfile_add_twin(mkdtemp_rmtree "^Temporary directory path: TMPDIR_RE${sep}tmp${random8}\n$")
tempfile_add_twin(temporary_directory "^Temporary directory path: TMPDIR_RE${sep}tmp${random8}\n$")
tempfile_add_twin(temporary_directory_two_files
  "^file1\\.txt: Hello, world!\nfile2\\.txt: Goodbye, world!\nthe directory is now deleted\n$")
tempfile_add_twin(temporary_directory_has_no_mode
  "^TemporaryDirectoryOptions has no mode member: {\\.mode = \"w\"} does not compile \
\\(Python: TypeError\\)\nwrote file1\\.txt and file2\\.txt in TMPDIR_RE${sep}tmp${random8}\n$")
tempfile_add_twin(temporary_directory_gone_after_scope
  "^Created temporary directory  TMPDIR_RE${sep}tmp${random8}\nTrue\n'TMPDIR_RE${sep}tmp${random8}'\nFalse\n$")
tempfile_add_twin(temporary_directory_path
  "^TMPDIR_RE${sep}tmp${random8}${sep}data\\.txt\nHello Shravan\nTMPDIR_RE${sep}tmp${random8}${sep}data\\.txt\n$")
tempfile_add_twin(temporary_directory_join
  "^Hello Shravan\nTMPDIR_RE${sep}tmp${random8}${sep}data\\.txt\nTMPDIR_RE${sep}tmp${random8}${sep}data\\.txt\n$")
# Windows keeps no permission bits: chmod(0644) leaves the file writable, which stat() shows as
# 0666, as Python's os.stat does there.
tempfile_add_twin(temporary_file_chmod "^mode: 0666\n$")
# The same for a directory: chmod(0755) keeps it writable, and a writable directory shows as
# 0777 (os.stat on Windows repeats the owner's bits for group and others).
tempfile_add_twin(temporary_directory_chmod "^mode: 0777\n$")
# The PseudoTemporary* twins: the guardian is a process of the same program (docs/windows.md).
# pseudo_temporary_directory kills its child with fork() and SIGKILL on POSIX; on Windows the
# same twin starts its own program again and kills it with TerminateProcess.
tempfile_add_twin(pseudo_temporary_file_tell "^while open, name\\(\\) reaches a file of 13 bytes\n\
${tell_re}after the scope, name\\(\\) reaches a file: False; entries in gettempdir\\(\\): 0\n$")
tempfile_add_twin(pseudo_temporary_directory
  "^file1\\.txt: Hello, world!\nfile2\\.txt: Goodbye, world!\nafter the scope, exists: false\n\
after an exception, exists: false\nafter its process is killed with TerminateProcess, gone: true\n$")
