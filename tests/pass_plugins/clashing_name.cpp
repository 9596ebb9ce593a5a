// A plugin whose second pass takes a built-in pass's name (test_pass_plugin: nothing of it is
// registered, not even its first pass).
#include "passes/pass_plugin_api.h"

NEST_PASS_PLUGIN(registrar) {
  registrar.add({"count-nodes-noop", "changes nothing", [](nest::Graph&, const nest::PassOptions&) { return false; }});
  registrar.add({"dce", "a second dead-code elimination", [](nest::Graph&, const nest::PassOptions&) { return false; }});
}
