// Starts the app and its data engine (a Web Worker). A module script of its own, not
// inline, so the Content-Security-Policy needs no hash.

// When the page's own script began (the benchmark tells the browser's work before it,
// such as committing the new document, from the app's)
window.__gzvBootAt = performance.now();

// Anything the Content-Security-Policy blocks is kept here, for tests and for DevTools.
window.__gzvCspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__gzvCspViolations.push(
    e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber
  );
});

// The data engine runs in a Web Worker: started now, so its module loads beside the
// page's, and it starts the dataset's first requests at once (site/worker.js).
window.__gzvWorkerUrl = new URL("./{{WORKER_JS}}", import.meta.url).href;
try {
  const worker = new Worker(window.__gzvWorkerUrl, { type: "module" });
  // what it says before the app listens is kept for the app (a failure to start, too)
  worker.__gzvInbox = [];
  worker.__gzvErrors = [];
  worker.onmessage = (e) => worker.__gzvInbox.push(e.data);
  worker.onerror = (e) => worker.__gzvErrors.push(e.message || "");
  worker.postMessage({ boot: location.href });
  window.__gzvWorker = worker;
} catch {
  // the app says the engine could not start, and offers a retry
}

// Every font strike of the page, laid out in the next frame (see .font-warm in main.css):
// after the engine has been started, so its first requests never wait for the fonts.
document.querySelector(".font-warm")?.removeAttribute("hidden");

// The page's module is read whole, then compiled: compiled as it streams instead, its
// sections were decoded on this thread, in one task with the start of the app (22-50 ms
// in traces; the bytes are all there at once, preloaded). From bytes, the browser
// decodes it on a thread of its own. Asked now, beside the glue.
const wasm = fetch(new URL("./{{APP_WASM}}", import.meta.url)).then((r) => {
  if (!r.ok) throw new Error("its module answered HTTP " + r.status);
  return r.arrayBuffer();
});
wasm.catch(() => {}); // said below, once the glue is there
// the glue is imported only now, so the requests above do not wait for it (it is
// preloaded by index.html, as is the module)
import("./{{APP_JS}}")
  .then(({ default: init }) => wasm.then((bytes) => init({ module_or_path: bytes })))
  .catch((e) => {
    const boot = document.getElementById("boot");
    const text = "GZ Viewer could not start: " + (e && e.message ? e.message : String(e));
    if (boot) {
      boot.textContent = text;
      boot.className = "error";
    } else {
      console.error(text);
    }
  });
