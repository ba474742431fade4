// Bootstrap of the data engine's Web Worker. Before the engine's module has even arrived,
// it starts the dataset's first requests (the manifest, the HuggingFace listing, or a
// parquet file's length and footer) and leaves their promises in self.__gzvEarly for the
// engine to take over: those round trips overlap the module's download and compilation,
// on a thread the page's rendering does not hold up. Messages from the page that arrive
// meanwhile are queued for the engine.

self.__gzvQueue = [];
// the page's address: the dataset's first requests start from it (the engine calls this
// too, for a page message that reaches it after it took over)
self.__gzvBoot = (href) => {
  try {
    startEarly(new URL(href));
  } catch {
    // an address the app will explain
  }
};
self.onmessage = (e) => {
  if (e.data && typeof e.data.boot === "string") {
    self.__gzvBoot(e.data.boot);
    return;
  }
  self.__gzvQueue.push(e.data);
};

// The same tail the engine reads first (64 KiB: a small footer whole, or a large one's
// end, which says how long it is), then the rest of the footer when it is longer.
const TAIL = 64 << 10;
const noStore = (range) => ({ cache: "no-store", headers: { Range: range } });

async function ranged(url, range) {
  const res = await fetch(url, noStore(range));
  const m = /bytes (\d+)-(\d+)\/(\d+)/.exec(res.headers.get("Content-Range") || "");
  if (res.status !== 206 || !m) {
    await res.body?.cancel();
    throw new Error("no range");
  }
  // where the file's URL led (a HuggingFace `resolve` URL redirects to a signed CDN URL);
  // https that led to plain http is left to the engine, which refuses it by name
  const resolved = res.redirected ? res.url : url;
  if (url.startsWith("https:") && resolved.startsWith("http:")) {
    await res.body?.cancel();
    throw new Error("downgraded");
  }
  return { start: Number(m[1]), len: Number(m[3]), bytes: new Uint8Array(await res.arrayBuffer()), resolved };
}

// A parquet file's length and footer: cross-origin a `bytes=0-0` probe first (a suffix
// range would cost a CORS preflight), same-origin a suffix range at once.
async function fileTail(url, sameOrigin) {
  let tail;
  if (sameOrigin) {
    tail = await ranged(url, "bytes=-" + TAIL);
  } else {
    const { len, resolved } = await ranged(url, "bytes=0-0");
    tail = await ranged(resolved, "bytes=" + Math.max(0, len - TAIL) + "-" + (len - 1));
  }
  const { start, len, bytes, resolved } = tail;
  const n = bytes.length;
  if (n < 8) return tail;
  const footer = new DataView(bytes.buffer).getUint32(n - 8, true) + 8;
  if (footer <= n || footer > len) return tail;
  const front = await ranged(resolved, "bytes=" + (len - footer) + "-" + (start - 1));
  const all = new Uint8Array(footer);
  all.set(front.bytes, 0);
  all.set(bytes, front.bytes.length);
  return { start: len - footer, len, bytes: all, resolved };
}

function startEarly(page) {
  const q = page.searchParams;
  const early = (kind, url, promise) => {
    // a failure here is not reported: the engine asks again and explains what went wrong
    self.__gzvEarly = { kind, url, result: promise.catch((e) => ({ error: String(e) })) };
  };
  const text = (url) =>
    fetch(url, { cache: "no-cache" }).then(async (r) => ({ status: r.status, text: await r.text() }));
  // files on the visitor's disk come from the page, not from the address
  if (q.has("local")) return;
  const id = q.get("dataset");
  if (id) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(id)) return;
    const server = new URL(q.get("datasets_server") || "https://datasets-server.huggingface.co");
    if (server.protocol !== "https:" && server.protocol !== "http:") return;
    const url = server.href.replace(/\/$/, "") + "/parquet?dataset=" + id;
    early("text", url, text(url));
    return;
  }
  const u = new URL(q.get("url") || "sample/index.json", page);
  if (u.protocol !== "https:" && u.protocol !== "http:") return;
  if (u.pathname.endsWith(".json")) {
    early("text", u.href, text(u.href));
  } else {
    early("tail", u.href, fileTail(u.href, u.origin === page.origin));
  }
}

import("./{{WORKER_GLUE}}")
  .then(({ default: init }) => init({ module_or_path: new URL("./{{WORKER_WASM}}", import.meta.url) }))
  .catch((e) => {
    self.postMessage({ fatal: "the data engine could not start: " + (e && e.message ? e.message : String(e)) });
  });
