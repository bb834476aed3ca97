// The bridge to the editor: callCommand as a promise. Only Asc.scope crosses over (plain JSON).

export function callCommand(func, scope = {}) {
  return new Promise((resolve, reject) => {
    const plugin = window.Asc?.plugin;
    if (!plugin?.callCommand) { reject(new Error('The editor plugin SDK (plugins.js) is not loaded')); return; }
    window.Asc.scope = JSON.parse(JSON.stringify(scope));
    try {
      plugin.callCommand(func, false, true, (result) => resolve(result));
    } catch (error) {
      reject(error);
    }
  });
}

/** Options the administrator rolled out (editorConfig.plugins.options), and this plugin's guid. */
export function pluginInfo() {
  const plugin = window.Asc?.plugin ?? {};
  return { options: plugin.info?.options ?? null, guid: plugin.info?.guid ?? plugin.guid ?? null, theme: plugin.info?.theme ?? null };
}
