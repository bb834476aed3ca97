// A stand-in for the editor's plugin SDK (sdkjs-plugins/v1/plugins.js) inside the plugin's iframe.
// Like the real one it talks to the editor (the parent page) by postMessage only: callCommand sends the
// function's source text and a JSON copy of Asc.scope; the result comes back as JSON.
(function () {
  var callbacks = {};
  var next = 1;
  function send(message) { window.parent.postMessage(JSON.stringify(message), '*'); }
  window.Asc = window.Asc || {};
  window.Asc.scope = {};
  window.Asc.plugin = {
    info: {},
    callCommand: function (func, isClose, isCalc, callback) {
      var id = next++;
      callbacks[id] = callback;
      send({ type: 'command', id: id, func: func.toString(), scope: JSON.stringify(window.Asc.scope || {}), isClose: !!isClose, isCalc: isCalc !== false });
    },
    executeCommand: function (name, data) { send({ type: 'executeCommand', name: name, data: data }); },
    executeMethod: function (name, args, callback) { send({ type: 'method', name: name }); if (callback) callback(undefined); },
  };
  window.addEventListener('message', function (event) {
    var message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    var plugin = window.Asc.plugin;
    if (message.type === 'init') {
      plugin.info = message.info;
      if (typeof plugin.init === 'function') plugin.init(message.info.data || '');
    } else if (message.type === 'commandResult') {
      var callback = callbacks[message.id];
      delete callbacks[message.id];
      if (callback) callback(message.result);
    } else if (message.type === 'theme' && typeof plugin.onThemeChanged === 'function') {
      plugin.onThemeChanged(message.theme);
    }
  });
  window.addEventListener('load', function () { send({ type: 'initialize' }); });
})();
