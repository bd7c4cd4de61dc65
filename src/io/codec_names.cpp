// Python's encoding names: the normalisation of encodings.normalize_encoding, the alias table of
// encodings/aliases.py, and the codec modules we serve (generated from CPython 3.11).
#include "io/codec_names.hpp"

#include <algorithm>
#include <iterator>

namespace tempfile::io::detail {
namespace {

struct Alias {
  std::string_view alias;
  std::string_view module;
};

// Only the aliases of the modules in `modules` below; sorted by alias for binary search.
// Regenerate with: python3 -c "import encodings.aliases as A; print(sorted(A.aliases.items()))"
constexpr Alias aliases[] = {
    {"037", "cp037"},
    {"1125", "cp1125"},
    {"1250", "cp1250"},
    {"1251", "cp1251"},
    {"1252", "cp1252"},
    {"1253", "cp1253"},
    {"1254", "cp1254"},
    {"1256", "cp1256"},
    {"1257", "cp1257"},
    {"437", "cp437"},
    {"500", "cp500"},
    {"646", "ascii"},
    {"775", "cp775"},
    {"850", "cp850"},
    {"852", "cp852"},
    {"855", "cp855"},
    {"857", "cp857"},
    {"858", "cp858"},
    {"860", "cp860"},
    {"861", "cp861"},
    {"862", "cp862"},
    {"863", "cp863"},
    {"864", "cp864"},
    {"865", "cp865"},
    {"866", "cp866"},
    {"869", "cp869"},
    {"8859", "latin_1"},
    {"932", "cp932"},
    {"936", "gbk"},
    {"949", "cp949"},
    {"950", "cp950"},
    {"ansi_x3.4_1968", "ascii"},
    {"ansi_x3.4_1986", "ascii"},
    {"ansi_x3_4_1968", "ascii"},
    {"arabic", "iso8859_6"},
    {"asmo_708", "iso8859_6"},
    {"big5_hkscs", "big5hkscs"},
    {"big5_tw", "big5"},
    {"chinese", "gb2312"},
    {"cp1051", "hp_roman8"},
    {"cp1361", "johab"},
    {"cp154", "ptcp154"},
    {"cp367", "ascii"},
    {"cp65001", "utf_8"},
    {"cp819", "latin_1"},
    {"cp866u", "cp1125"},
    {"cp936", "gbk"},
    {"cp_gr", "cp869"},
    {"cp_is", "cp861"},
    {"csHPRoman8", "hp_roman8"},
    {"csascii", "ascii"},
    {"csbig5", "big5"},
    {"csibm037", "cp037"},
    {"csibm500", "cp500"},
    {"csibm855", "cp855"},
    {"csibm857", "cp857"},
    {"csibm858", "cp858"},
    {"csibm860", "cp860"},
    {"csibm861", "cp861"},
    {"csibm863", "cp863"},
    {"csibm864", "cp864"},
    {"csibm865", "cp865"},
    {"csibm866", "cp866"},
    {"csibm869", "cp869"},
    {"csiso2022jp", "iso2022_jp"},
    {"csiso2022kr", "iso2022_kr"},
    {"csiso58gb231280", "gb2312"},
    {"csisolatin1", "latin_1"},
    {"csisolatin2", "iso8859_2"},
    {"csisolatin3", "iso8859_3"},
    {"csisolatin4", "iso8859_4"},
    {"csisolatin5", "iso8859_9"},
    {"csisolatin6", "iso8859_10"},
    {"csisolatinarabic", "iso8859_6"},
    {"csisolatincyrillic", "iso8859_5"},
    {"csisolatingreek", "iso8859_7"},
    {"csisolatinhebrew", "iso8859_8"},
    {"cskoi8r", "koi8_r"},
    {"cspc775baltic", "cp775"},
    {"cspc850multilingual", "cp850"},
    {"cspc862latinhebrew", "cp862"},
    {"cspc8codepage437", "cp437"},
    {"cspcp852", "cp852"},
    {"csptcp154", "ptcp154"},
    {"csshiftjis", "shift_jis"},
    {"cyrillic", "iso8859_5"},
    {"cyrillic_asian", "ptcp154"},
    {"ebcdic_cp_be", "cp500"},
    {"ebcdic_cp_ca", "cp037"},
    {"ebcdic_cp_ch", "cp500"},
    {"ebcdic_cp_nl", "cp037"},
    {"ebcdic_cp_us", "cp037"},
    {"ebcdic_cp_wt", "cp037"},
    {"ecma_114", "iso8859_6"},
    {"ecma_118", "iso8859_7"},
    {"elot_928", "iso8859_7"},
    {"euc_cn", "gb2312"},
    {"euccn", "gb2312"},
    {"eucgb2312_cn", "gb2312"},
    {"eucjp", "euc_jp"},
    {"euckr", "euc_kr"},
    {"gb18030_2000", "gb18030"},
    {"gb2312_1980", "gb2312"},
    {"gb2312_80", "gb2312"},
    {"greek", "iso8859_7"},
    {"greek8", "iso8859_7"},
    {"hebrew", "iso8859_8"},
    {"hkscs", "big5hkscs"},
    {"ibm037", "cp037"},
    {"ibm039", "cp037"},
    {"ibm1051", "hp_roman8"},
    {"ibm1125", "cp1125"},
    {"ibm367", "ascii"},
    {"ibm437", "cp437"},
    {"ibm500", "cp500"},
    {"ibm775", "cp775"},
    {"ibm819", "latin_1"},
    {"ibm850", "cp850"},
    {"ibm852", "cp852"},
    {"ibm855", "cp855"},
    {"ibm857", "cp857"},
    {"ibm858", "cp858"},
    {"ibm860", "cp860"},
    {"ibm861", "cp861"},
    {"ibm862", "cp862"},
    {"ibm863", "cp863"},
    {"ibm864", "cp864"},
    {"ibm865", "cp865"},
    {"ibm866", "cp866"},
    {"ibm869", "cp869"},
    {"iso2022jp", "iso2022_jp"},
    {"iso2022jp_2", "iso2022_jp_2"},
    {"iso2022kr", "iso2022_kr"},
    {"iso646_us", "ascii"},
    {"iso8859", "latin_1"},
    {"iso8859_1", "latin_1"},
    {"iso_2022_jp", "iso2022_jp"},
    {"iso_2022_jp_2", "iso2022_jp_2"},
    {"iso_2022_kr", "iso2022_kr"},
    {"iso_646.irv_1991", "ascii"},
    {"iso_8859_1", "latin_1"},
    {"iso_8859_10", "iso8859_10"},
    {"iso_8859_10_1992", "iso8859_10"},
    {"iso_8859_11", "iso8859_11"},
    {"iso_8859_11_2001", "iso8859_11"},
    {"iso_8859_13", "iso8859_13"},
    {"iso_8859_14", "iso8859_14"},
    {"iso_8859_14_1998", "iso8859_14"},
    {"iso_8859_15", "iso8859_15"},
    {"iso_8859_16", "iso8859_16"},
    {"iso_8859_16_2001", "iso8859_16"},
    {"iso_8859_1_1987", "latin_1"},
    {"iso_8859_2", "iso8859_2"},
    {"iso_8859_2_1987", "iso8859_2"},
    {"iso_8859_3", "iso8859_3"},
    {"iso_8859_3_1988", "iso8859_3"},
    {"iso_8859_4", "iso8859_4"},
    {"iso_8859_4_1988", "iso8859_4"},
    {"iso_8859_5", "iso8859_5"},
    {"iso_8859_5_1988", "iso8859_5"},
    {"iso_8859_6", "iso8859_6"},
    {"iso_8859_6_1987", "iso8859_6"},
    {"iso_8859_7", "iso8859_7"},
    {"iso_8859_7_1987", "iso8859_7"},
    {"iso_8859_8", "iso8859_8"},
    {"iso_8859_8_1988", "iso8859_8"},
    {"iso_8859_9", "iso8859_9"},
    {"iso_8859_9_1989", "iso8859_9"},
    {"iso_celtic", "iso8859_14"},
    {"iso_ir_100", "latin_1"},
    {"iso_ir_101", "iso8859_2"},
    {"iso_ir_109", "iso8859_3"},
    {"iso_ir_110", "iso8859_4"},
    {"iso_ir_126", "iso8859_7"},
    {"iso_ir_127", "iso8859_6"},
    {"iso_ir_138", "iso8859_8"},
    {"iso_ir_144", "iso8859_5"},
    {"iso_ir_148", "iso8859_9"},
    {"iso_ir_157", "iso8859_10"},
    {"iso_ir_199", "iso8859_14"},
    {"iso_ir_226", "iso8859_16"},
    {"iso_ir_58", "gb2312"},
    {"iso_ir_6", "ascii"},
    {"korean", "euc_kr"},
    {"ks_c_5601", "euc_kr"},
    {"ks_c_5601_1987", "euc_kr"},
    {"ks_x_1001", "euc_kr"},
    {"ksc5601", "euc_kr"},
    {"ksx1001", "euc_kr"},
    {"kz_1048", "kz1048"},
    {"l1", "latin_1"},
    {"l10", "iso8859_16"},
    {"l2", "iso8859_2"},
    {"l3", "iso8859_3"},
    {"l4", "iso8859_4"},
    {"l5", "iso8859_9"},
    {"l6", "iso8859_10"},
    {"l7", "iso8859_13"},
    {"l8", "iso8859_14"},
    {"l9", "iso8859_15"},
    {"latin", "latin_1"},
    {"latin1", "latin_1"},
    {"latin10", "iso8859_16"},
    {"latin2", "iso8859_2"},
    {"latin3", "iso8859_3"},
    {"latin4", "iso8859_4"},
    {"latin5", "iso8859_9"},
    {"latin6", "iso8859_10"},
    {"latin7", "iso8859_13"},
    {"latin8", "iso8859_14"},
    {"latin9", "iso8859_15"},
    {"mac_centeuro", "mac_latin2"},
    {"maccentraleurope", "mac_latin2"},
    {"maclatin2", "mac_latin2"},
    {"ms1361", "johab"},
    {"ms932", "cp932"},
    {"ms936", "gbk"},
    {"ms949", "cp949"},
    {"ms950", "cp950"},
    {"ms_kanji", "cp932"},
    {"mskanji", "cp932"},
    {"pt154", "ptcp154"},
    {"r8", "hp_roman8"},
    {"rk1048", "kz1048"},
    {"roman8", "hp_roman8"},
    {"ruscii", "cp1125"},
    {"s_jis", "shift_jis"},
    {"shiftjis", "shift_jis"},
    {"sjis", "shift_jis"},
    {"strk1048_2002", "kz1048"},
    {"thai", "iso8859_11"},
    {"u16", "utf_16"},
    {"u32", "utf_32"},
    {"u7", "utf_7"},
    {"u8", "utf_8"},
    {"u_jis", "euc_jp"},
    {"uhc", "cp949"},
    {"ujis", "euc_jp"},
    {"unicode_1_1_utf_7", "utf_7"},
    {"unicodebigunmarked", "utf_16_be"},
    {"unicodelittleunmarked", "utf_16_le"},
    {"us", "ascii"},
    {"us_ascii", "ascii"},
    {"utf", "utf_8"},
    {"utf16", "utf_16"},
    {"utf32", "utf_32"},
    {"utf7", "utf_7"},
    {"utf8", "utf_8"},
    {"utf8_ucs2", "utf_8"},
    {"utf8_ucs4", "utf_8"},
    {"utf_16be", "utf_16_be"},
    {"utf_16le", "utf_16_le"},
    {"utf_32be", "utf_32_be"},
    {"utf_32le", "utf_32_le"},
    {"windows_1250", "cp1250"},
    {"windows_1251", "cp1251"},
    {"windows_1252", "cp1252"},
    {"windows_1253", "cp1253"},
    {"windows_1254", "cp1254"},
    {"windows_1256", "cp1256"},
    {"windows_1257", "cp1257"},
    {"x_mac_japanese", "shift_jis"},
    {"x_mac_korean", "euc_kr"},
    {"x_mac_simp_chinese", "gb2312"},
    {"x_mac_trad_chinese", "big5"},
};

// Python module -> codecs.lookup(module).name, our implementation and the iconv name. The
// single-byte "charmap" modules listed are those whose glibc table equals CPython's in both
// directions (every byte decoded, every BMP code point encoded, compared one by one); the
// multibyte ones use glibc's tables, which differ from CPython's in places.
constexpr PythonCodec modules[] = {
    {"ascii", "ascii", Family::ascii, ""},
    {"big5", "big5", Family::multibyte, "BIG5"},
    {"big5hkscs", "big5hkscs", Family::multibyte, "BIG5-HKSCS"},
    {"cp037", "cp037", Family::charmap, "IBM037"},
    {"cp1125", "cp1125", Family::charmap, "CP1125"},
    {"cp1250", "cp1250", Family::charmap, "CP1250"},
    {"cp1251", "cp1251", Family::charmap, "CP1251"},
    {"cp1252", "cp1252", Family::charmap, "CP1252"},
    {"cp1253", "cp1253", Family::charmap, "CP1253"},
    {"cp1254", "cp1254", Family::charmap, "CP1254"},
    {"cp1256", "cp1256", Family::charmap, "CP1256"},
    {"cp1257", "cp1257", Family::charmap, "CP1257"},
    {"cp437", "cp437", Family::charmap, "IBM437"},
    {"cp500", "cp500", Family::charmap, "IBM500"},
    {"cp737", "cp737", Family::charmap, "CP737"},
    {"cp775", "cp775", Family::charmap, "IBM775"},
    {"cp850", "cp850", Family::charmap, "IBM850"},
    {"cp852", "cp852", Family::charmap, "IBM852"},
    {"cp855", "cp855", Family::charmap, "IBM855"},
    {"cp857", "cp857", Family::charmap, "IBM857"},
    {"cp858", "cp858", Family::charmap, "IBM858"},
    {"cp860", "cp860", Family::charmap, "IBM860"},
    {"cp861", "cp861", Family::charmap, "IBM861"},
    {"cp862", "cp862", Family::charmap, "IBM862"},
    {"cp863", "cp863", Family::charmap, "IBM863"},
    {"cp864", "cp864", Family::charmap, "IBM864"},
    {"cp865", "cp865", Family::charmap, "IBM865"},
    {"cp866", "cp866", Family::charmap, "IBM866"},
    {"cp869", "cp869", Family::charmap, "IBM869"},
    {"cp874", "cp874", Family::charmap, "CP874"},
    {"cp932", "cp932", Family::multibyte, "CP932"},
    {"cp949", "cp949", Family::multibyte, "CP949"},
    {"cp950", "cp950", Family::multibyte, "CP950"},
    {"euc_jp", "euc_jp", Family::multibyte, "EUC-JP"},
    {"euc_kr", "euc_kr", Family::multibyte, "EUC-KR"},
    {"gb18030", "gb18030", Family::multibyte, "GB18030"},
    {"gb2312", "gb2312", Family::multibyte, "EUC-CN"},
    {"gbk", "gbk", Family::multibyte, "GBK"},
    {"hp_roman8", "hp-roman8", Family::charmap, "HP-ROMAN8"},
    {"iso2022_jp", "iso2022_jp", Family::multibyte, "ISO-2022-JP"},
    {"iso2022_jp_2", "iso2022_jp_2", Family::multibyte, "ISO-2022-JP-2"},
    {"iso2022_kr", "iso2022_kr", Family::multibyte, "ISO-2022-KR"},
    {"iso8859_10", "iso8859-10", Family::charmap, "ISO-8859-10"},
    {"iso8859_11", "iso8859-11", Family::charmap, "ISO-8859-11"},
    {"iso8859_13", "iso8859-13", Family::charmap, "ISO-8859-13"},
    {"iso8859_14", "iso8859-14", Family::charmap, "ISO-8859-14"},
    {"iso8859_15", "iso8859-15", Family::charmap, "ISO-8859-15"},
    {"iso8859_16", "iso8859-16", Family::charmap, "ISO-8859-16"},
    {"iso8859_2", "iso8859-2", Family::charmap, "ISO-8859-2"},
    {"iso8859_3", "iso8859-3", Family::charmap, "ISO-8859-3"},
    {"iso8859_4", "iso8859-4", Family::charmap, "ISO-8859-4"},
    {"iso8859_5", "iso8859-5", Family::charmap, "ISO-8859-5"},
    {"iso8859_6", "iso8859-6", Family::charmap, "ISO-8859-6"},
    {"iso8859_7", "iso8859-7", Family::charmap, "ISO-8859-7"},
    {"iso8859_8", "iso8859-8", Family::charmap, "ISO-8859-8"},
    {"iso8859_9", "iso8859-9", Family::charmap, "ISO-8859-9"},
    {"johab", "johab", Family::multibyte, "JOHAB"},
    {"koi8_r", "koi8-r", Family::charmap, "KOI8-R"},
    {"koi8_t", "koi8-t", Family::charmap, "KOI8-T"},
    {"koi8_u", "koi8-u", Family::charmap, "KOI8-U"},
    {"kz1048", "kz1048", Family::charmap, "RK1048"},
    {"latin_1", "iso8859-1", Family::latin1, ""},
    {"mac_latin2", "mac-latin2", Family::charmap, "MAC-CENTRALEUROPE"},
    {"ptcp154", "ptcp154", Family::charmap, "PT154"},
    {"shift_jis", "shift_jis", Family::multibyte, "SHIFT_JIS"},
    {"utf_16", "utf-16", Family::utf16, "UTF-16"},
    {"utf_16_be", "utf-16-be", Family::utf16, "UTF-16BE"},
    {"utf_16_le", "utf-16-le", Family::utf16, "UTF-16LE"},
    {"utf_32", "utf-32", Family::utf32, "UTF-32"},
    {"utf_32_be", "utf-32-be", Family::utf32, "UTF-32BE"},
    {"utf_32_le", "utf-32-le", Family::utf32, "UTF-32LE"},
    {"utf_7", "utf-7", Family::multibyte, "UTF-7"},
    {"utf_8", "utf-8", Family::utf8, ""},
    {"utf_8_sig", "utf-8-sig", Family::utf8_sig, ""},
};

constexpr bool sorted_by(const auto& table, auto key) {
  return std::is_sorted(std::begin(table), std::end(table),
                        [&](const auto& a, const auto& b) { return key(a) < key(b); });
}
static_assert(sorted_by(aliases, [](const Alias& a) { return a.alias; }));
static_assert(sorted_by(modules, [](const PythonCodec& c) { return c.module; }));

bool is_ascii_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view find_alias(std::string_view name) {
  const auto found =
      std::lower_bound(std::begin(aliases), std::end(aliases), name,
                       [](const Alias& a, std::string_view n) { return a.alias < n; });
  return found != std::end(aliases) && found->alias == name ? found->module : std::string_view{};
}

const PythonCodec* find_module(std::string_view module) {
  const auto found =
      std::lower_bound(std::begin(modules), std::end(modules), module,
                       [](const PythonCodec& c, std::string_view m) { return c.module < m; });
  return found != std::end(modules) && found->module == module ? found : nullptr;
}

}  // namespace

std::string normalize_encoding(std::string_view encoding) {
  std::string normalized;
  bool punctuation = false;
  for (const char c : encoding) {
    if (is_ascii_alnum(c) || c == '.') {
      if (punctuation && !normalized.empty()) {
        normalized += '_';
      }
      normalized += ascii_lower(c);
      punctuation = false;
    } else {
      punctuation = true;
    }
  }
  return normalized;
}

const PythonCodec* find_python_codec(std::string_view encoding) {
  const std::string normalized = normalize_encoding(encoding);
  std::string_view module = find_alias(normalized);
  std::string underscored = normalized;
  std::replace(underscored.begin(), underscored.end(), '.', '_');
  if (module.empty()) {
    module = find_alias(underscored);
  }
  if (module.empty() && normalized.find('.') == std::string::npos) {
    module = normalized;
  }
  return find_module(module);
}

}  // namespace tempfile::io::detail
