// Starts the app: loads the wasm-bindgen glue and the module (compiled while it streams).
// A module script of its own, not inline, so the Content-Security-Policy needs no hash.
import init from "./{{APP_JS}}";

// Anything the Content-Security-Policy blocks is kept here, for tests and for DevTools.
window.__gzvCspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__gzvCspViolations.push(
    e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber
  );
});

init({ module_or_path: new URL("./{{APP_WASM}}", import.meta.url) }).catch((e) => {
  const boot = document.getElementById("boot");
  const text = "GZ Viewer could not start: " + (e && e.message ? e.message : String(e));
  if (boot) {
    boot.textContent = text;
    boot.className = "error";
  } else {
    console.error(text);
  }
});
