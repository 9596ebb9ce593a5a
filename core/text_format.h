// Number and string formatting shared by every textual output (text IR, DOT, reports),
// chosen so that parsing the text gives back the same bits.
#pragma once
#include <string>
#include <string_view>

namespace nest {

// Shortest decimal that parses back to the same float; always contains '.', 'e', "inf" or "nan"
// so that a float is never mistaken for an integer.
std::string formatFloat(double value, bool doublePrecision = false);
// "text" with \" \\ \n and non-printable bytes escaped.
std::string quoteString(std::string_view s);

}  // namespace nest
