//! Small helpers for showing things: counts with thousands separators, image bytes as
//! blob URLs the browser decodes off the page's thread.

pub fn fmt_count(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn blob_url(bytes: &[u8]) -> Result<String, String> {
    let mime = match crate::imaging::sniff(bytes) {
        Some(f) => f.to_mime_type(),
        None => return Err("not an image format the viewer knows".into()),
    };
    crate::imaging::check_complete(bytes).map_err(|e| e.to_string())?;
    object_url(bytes, mime).map_err(|step| {
        match step {
            ObjectUrlStep::Blob => "the browser refused the image bytes",
            ObjectUrlStep::Url => "the browser could not make an image URL",
        }
        .to_string()
    })
}

pub use crate::web::{ObjectUrlStep, object_url};
