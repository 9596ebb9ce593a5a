// A plugin built for another API version (test_pass_plugin: the version check). It defines the
// entry points by hand, as a plugin built against a future header would.
#include "passes/pass_plugin_api.h"

extern "C" __attribute__((visibility("default"))) int nest_pass_plugin_api_version() { return NEST_PASS_PLUGIN_API_VERSION + 1; }
extern "C" __attribute__((visibility("default"))) void nest_pass_plugin_register(nest::PassPluginRegistrar&) {}
