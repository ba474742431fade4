// Starts the app. Before the wasm has even arrived, it starts the dataset's first
// requests (the manifest, the HuggingFace listing, or a parquet file's length and footer)
// and leaves their promises in window.__gzvEarly for the app to take over: those round
// trips overlap the module's download and compilation instead of following them.
// A module script of its own, not inline, so the Content-Security-Policy needs no hash.

// Anything the Content-Security-Policy blocks is kept here, for tests and for DevTools.
window.__gzvCspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__gzvCspViolations.push(
    e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber
  );
});

// The same tail the app reads first (64 KiB: a small footer whole, or a large one's end,
// which says how long it is), then the rest of the footer when it is longer.
const TAIL = 64 << 10;
const noStore = (range) => ({ cache: "no-store", headers: { Range: range } });

async function ranged(url, range) {
  const res = await fetch(url, noStore(range));
  const m = /bytes (\d+)-(\d+)\/(\d+)/.exec(res.headers.get("Content-Range") || "");
  if (res.status !== 206 || !m) {
    await res.body?.cancel();
    throw new Error("no range");
  }
  return { start: Number(m[1]), len: Number(m[3]), bytes: new Uint8Array(await res.arrayBuffer()) };
}

// A parquet file's length and footer: cross-origin a `bytes=0-0` probe first (a suffix
// range would cost a CORS preflight), same-origin a suffix range at once.
async function fileTail(url, sameOrigin) {
  let tail;
  if (sameOrigin) {
    tail = await ranged(url, "bytes=-" + TAIL);
  } else {
    const { len } = await ranged(url, "bytes=0-0");
    tail = await ranged(url, "bytes=" + Math.max(0, len - TAIL) + "-" + (len - 1));
  }
  const { start, len, bytes } = tail;
  const n = bytes.length;
  if (n < 8) return tail;
  const footer = new DataView(bytes.buffer).getUint32(n - 8, true) + 8;
  if (footer <= n || footer > len) return tail;
  const front = await ranged(url, "bytes=" + (len - footer) + "-" + (start - 1));
  const all = new Uint8Array(footer);
  all.set(front.bytes, 0);
  all.set(bytes, front.bytes.length);
  return { start: len - footer, len, bytes: all };
}

function startEarly() {
  const q = new URLSearchParams(location.search);
  const early = (kind, url, promise) => {
    // a failure here is not reported: the app asks again and explains what went wrong
    window.__gzvEarly = { kind, url, result: promise.catch((e) => ({ error: String(e) })) };
  };
  const id = q.get("dataset");
  if (id) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(id)) return;
    const server = new URL(q.get("datasets_server") || "https://datasets-server.huggingface.co");
    if (server.protocol !== "https:" && server.protocol !== "http:") return;
    const url = server.href.replace(/\/$/, "") + "/parquet?dataset=" + id;
    early("text", url, fetch(url, { cache: "no-cache" }).then(async (r) => ({ status: r.status, text: await r.text() })));
    return;
  }
  const u = new URL(q.get("url") || "sample/index.json", location.href);
  if (u.protocol !== "https:" && u.protocol !== "http:") return;
  if (u.pathname.endsWith(".json")) {
    early("text", u.href, fetch(u.href, { cache: "no-cache" }).then(async (r) => ({ status: r.status, text: await r.text() })));
  } else {
    early("tail", u.href, fileTail(u.href, u.origin === location.origin));
  }
}

try {
  startEarly();
} catch {
  // an address the app will explain
}

// the glue is imported only now, so the requests above do not wait for it (it is
// preloaded by index.html, as is the module, which compiles while it streams)
import("./{{APP_JS}}")
  .then(({ default: init }) => init({ module_or_path: new URL("./{{APP_WASM}}", import.meta.url) }))
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
