#include "tests/test_support.h"

#include "core/text_ir.h"

namespace nest::testing {

Graph graphFromText(const std::string& text) { return parseGraph(text); }

}  // namespace nest::testing
