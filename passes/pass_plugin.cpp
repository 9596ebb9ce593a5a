#include "passes/pass_plugin.h"

#include <dlfcn.h>

#include <filesystem>
#include <mutex>
#include <set>

#include "core/error.h"
#include "passes/pass_plugin_api.h"
#include "passes/pass_registry.h"

namespace nest {

namespace {

struct Loaded {
  LoadedPassPlugin plugin;
  std::filesystem::path canonical;  // to recognize the same file under another path
};

std::mutex& loaderMutex() {
  static std::mutex m;
  return m;
}

std::vector<Loaded>& loaded() {
  static std::vector<Loaded> l;
  return l;
}

std::string lastDlError() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

}  // namespace

LoadedPassPlugin loadPassPlugin(const std::string& path) {
  std::lock_guard lock(loaderMutex());
  const std::string what = "pass plugin " + path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) failBadInput(what + ": no such file");
  if (std::filesystem::is_directory(path, ec)) failBadInput(what + ": is a directory, not a shared library");
  const std::filesystem::path canonical = std::filesystem::canonical(path, ec);
  for (const Loaded& l : loaded())
    if (!ec && l.canonical == canonical) return l.plugin;

  // dlopen searches the library path for a name without '/': a plugin is a file, so make it one.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  dlerror();
  // RTLD_NOW: an unresolved symbol (a plugin built against other headers) fails here, not mid-pass.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) failBadInput(what + ": cannot load it as a shared library: " + lastDlError());
  // Once opened it stays open: on failure too, because dlclose of a library whose static
  // constructors ran is not reliably safe, and a failed plugin is a one-off.
  auto version = reinterpret_cast<int (*)()>(dlsym(handle, NEST_PASS_PLUGIN_VERSION_SYMBOL));
  auto entry = reinterpret_cast<void (*)(PassPluginRegistrar&)>(dlsym(handle, NEST_PASS_PLUGIN_REGISTER_SYMBOL));
  if (!version || !entry)
    failBadInput(what + ": no entry point " + (version ? NEST_PASS_PLUGIN_REGISTER_SYMBOL : NEST_PASS_PLUGIN_VERSION_SYMBOL) +
                 " (define the plugin's passes with NEST_PASS_PLUGIN, passes/pass_plugin_api.h)");
  const int pluginVersion = version();
  if (pluginVersion != kPassPluginApiVersion)
    failBadInput(what + ": built for pass plugin API version " + std::to_string(pluginVersion) + ", this program provides version " +
                 std::to_string(kPassPluginApiVersion) + " (rebuild the plugin against its headers)");

  PassPluginRegistrar registrar;
  try {
    entry(registrar);
  } catch (const std::exception& e) {
    failBadInput(what + ": its register function failed: " + e.what());
  }
  if (registrar.passes().empty()) failBadInput(what + ": registers no passes");
  // Check every name first so that the plugin registers whole or not at all.
  std::set<std::string> names;
  const std::vector<PassInfo> existing = allPasses();
  for (const PassInfo& p : registrar.passes()) {
    if (p.name.empty()) failBadInput(what + ": a pass needs a name");
    if (!p.run) failBadInput(what + ": pass '" + p.name + "' has no run function");
    if (!names.insert(p.name).second) failBadInput(what + ": registers pass '" + p.name + "' twice");
    for (const PassInfo& e : existing)
      if (e.name == p.name) {
        const std::string origin = passOrigin(p.name);
        failBadInput(what + ": pass '" + p.name + "' is already registered (" +
                     (origin == kBuiltinOrigin ? std::string("a built-in pass") : "by plugin " + origin) + ")");
      }
  }
  Loaded l;
  l.plugin.path = path;
  l.canonical = canonical;
  for (const PassInfo& p : registrar.passes()) {
    registerPluginPass(p, path);
    l.plugin.passes.push_back(p.name);
  }
  loaded().push_back(l);
  return l.plugin;
}

std::vector<LoadedPassPlugin> loadedPassPlugins() {
  std::lock_guard lock(loaderMutex());
  std::vector<LoadedPassPlugin> out;
  for (const Loaded& l : loaded()) out.push_back(l.plugin);
  return out;
}

}  // namespace nest
