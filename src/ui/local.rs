//! Files from the visitor's disk: a picker's list (one file, several, or a folder's) and a
//! drop (files or folders, walked through the browser's file-system entries). Only
//! names, lengths and `File` handles: nothing is read here.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::File;

/// At most this many entries of a dropped folder are looked at (a drop of a home folder
/// must not walk the disk).
const MAX_ENTRIES: usize = 20_000;

/// Whether a name is a parquet file's.
pub fn is_parquet(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".parquet")
}

/// The files of a picker, named by their path within a chosen folder, else by name.
pub fn of_list(list: &web_sys::FileList) -> Vec<(File, String)> {
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|f| {
            let rel = Reflect::get(&f, &"webkitRelativePath".into())
                .ok()
                .and_then(|p| p.as_string())
                .filter(|p| !p.is_empty());
            let name = rel.unwrap_or_else(|| f.name());
            (f, name)
        })
        .collect()
}

fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(target, &method.into())?.dyn_into()?;
    f.apply(target, &args.iter().collect::<Array>())
}

/// A callback-style file-system call (`entry.file(ok, err)`, `reader.readEntries(ok, err)`)
/// as a future.
async fn callback(target: &JsValue, method: &str) -> Result<JsValue, JsValue> {
    let mut failed = None;
    let promise = Promise::new(&mut |resolve, reject| {
        if let Err(e) = call(target, method, &[resolve.into(), reject.into()]) {
            failed = Some(e);
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    JsFuture::from(promise).await
}

fn flag(entry: &JsValue, name: &str) -> bool {
    Reflect::get(entry, &name.into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// An entry's path without the leading `/`.
fn path_of(entry: &JsValue) -> String {
    Reflect::get(entry, &"fullPath".into())
        .ok()
        .and_then(|p| p.as_string())
        .map(|p| p.trim_start_matches('/').to_string())
        .unwrap_or_default()
}

/// A drop's files, and its folders still to walk.
pub struct Dropped {
    plain: Vec<(File, String)>,
    folders: Vec<JsValue>,
}

/// Take a drop's entries at once: its items are gone once its event has returned.
pub fn dropped(dt: &web_sys::DataTransfer) -> Dropped {
    let items = dt.items();
    let mut folders = Vec::new();
    let mut plain = Vec::new();
    for i in 0..items.length() {
        let Some(item) = items.get(i) else { continue };
        if item.kind() != "file" {
            continue;
        }
        let entry = call(&item, "webkitGetAsEntry", &[]).unwrap_or(JsValue::NULL);
        if entry.is_object() && flag(&entry, "isDirectory") {
            folders.push(entry);
        } else if let Ok(Some(file)) = item.get_as_file() {
            let name = if entry.is_object() {
                path_of(&entry)
            } else {
                file.name()
            };
            let name = if name.is_empty() { file.name() } else { name };
            plain.push((file, name));
        }
    }
    Dropped { plain, folders }
}

/// The files of a drop: its files, and the parquet files of its folders, walked.
pub async fn of_drop(dropped: Dropped) -> Result<Vec<(File, String)>, String> {
    let Dropped {
        plain,
        folders: mut entries,
    } = dropped;
    let mut out = plain;
    let mut seen = 0usize;
    while let Some(dir) = entries.pop() {
        let reader = call(&dir, "createReader", &[])
            .map_err(|e| format!("the folder could not be read ({e:?})"))?;
        loop {
            let batch = callback(&reader, "readEntries")
                .await
                .map_err(|e| format!("the folder {} could not be read ({e:?})", path_of(&dir)))?;
            let batch = Array::from(&batch);
            if batch.length() == 0 {
                break;
            }
            for entry in batch.iter() {
                seen += 1;
                if seen > MAX_ENTRIES {
                    return Err(format!(
                        "the folder holds more than {MAX_ENTRIES} entries: choose the folder of the parquet files themselves"
                    ));
                }
                if flag(&entry, "isDirectory") {
                    entries.push(entry);
                } else if flag(&entry, "isFile") && is_parquet(&path_of(&entry)) {
                    let file = callback(&entry, "file")
                        .await
                        .map_err(|e| format!("{} could not be read ({e:?})", path_of(&entry)))?;
                    if let Ok(file) = file.dyn_into::<File>() {
                        out.push((file, path_of(&entry)));
                    }
                }
            }
        }
    }
    Ok(out)
}
