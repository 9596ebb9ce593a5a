// A shared library without the plugin entry points (test_pass_plugin: "no entry point").
extern "C" int not_a_pass_plugin() { return 42; }
