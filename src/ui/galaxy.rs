//! One galaxy: its image drawn on a canvas, its id and position.

use super::state::{AppState, Galaxy, GalaxyView};
use super::votes::VotesPanel;
use crate::imaging::{Adjust, Channel, Stretch};
use crate::web::decode_bench::Decoded;
use crate::web::timing;
use leptos::html::Canvas;
use leptos::prelude::*;
use std::sync::Arc;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// Paint the image onto a canvas at native size: the browser's bitmap as it is, or its
/// pixels through the display settings.
fn paint(canvas: &HtmlCanvasElement, img: &Decoded, settings: &Adjust) -> Result<(), String> {
    canvas.set_width(img.width);
    canvas.set_height(img.height);
    let ctx = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        .ok_or("this browser gives no 2D canvas")?;
    if settings.is_identity() {
        return img
            .draw(&ctx)
            .map_err(|e| format!("the image could not be drawn ({e})"));
    }
    let rgba = img
        .pixels()
        .map_err(|e| format!("the image's pixels could not be read ({e})"))?;
    let pixels = settings.apply(rgba);
    let data = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&pixels), img.width, img.height)
        .map_err(|_| "the image could not be copied to the canvas")?;
    ctx.put_image_data(&data, 0.0, 0.0)
        .map_err(|_| "the image could not be drawn".to_string())
}

fn degrees(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.6}°")).unwrap_or_else(|| "—".into())
}

/// A button that copies `text` and says so.
#[component]
fn CopyButton(text: String, what: &'static str) -> impl IntoView {
    let done = RwSignal::new(None::<bool>);
    let label = format!("Copy {what}");
    view! {
        <button type="button" class="copy" aria-label=label.clone() title=label
            on:click=move |_| done.set(Some(crate::web::copy_text(&text)))>
            {move || match done.get() { None => "Copy", Some(true) => "Copied", Some(false) => "Copy failed" }}
        </button>
    }
}

/// The galaxy panel: loading, drawn, or the reason it is not.
#[component]
pub fn GalaxyPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <section class="galaxy" id="galaxy-panel" aria-labelledby="galaxy-title">
            <h2 id="galaxy-title">"Galaxy"</h2>
            <super::nav::NavBar/>
            {move || match state.galaxy.get() {
                GalaxyView::Waiting => view! { <p class="muted">"Waiting for the dataset…"</p> }.into_any(),
                GalaxyView::Loading(what) => view! { <p class="loading" id="galaxy-loading"><span class="spinner" aria-hidden="true"></span>{what}"…"</p> }.into_any(),
                GalaxyView::NoImages => view! { <p id="galaxy-none">"This table has no image column; its summary is on the right."</p> }.into_any(),
                GalaxyView::Failed(e) => view! { <p class="error" role="alert" id="galaxy-error">{e}</p> }.into_any(),
                GalaxyView::Ready(g) => view! { <GalaxyCard galaxy=g/> }.into_any(),
            }}
            <super::like::LikeThis/>
        </section>
    }
}

/// A loaded galaxy.
#[component]
fn GalaxyCard(galaxy: Arc<Galaxy>) -> impl IntoView {
    let canvas_ref = NodeRef::<Canvas>::new();
    let draw_error = RwSignal::new(None::<String>);
    let adjust = RwSignal::new(Adjust::default());
    let zoom = RwSignal::new(1u32);
    let image = galaxy.image.clone();
    let votes = galaxy.votes.clone();
    let encoded = galaxy.encoded.clone();
    // the image is drawn in the task that brings it; its controls and facts come a frame
    // later, and its votes (a few hundred elements for gz_desi) a frame after those: built
    // with the image, they made that task the page's longest (92 ms of script under load)
    let details_now = RwSignal::new(false);
    let votes_now = RwSignal::new(false);
    crate::web::after_next_frame(move || {
        // the card may be gone by then (another galaxy asked for)
        if details_now.try_set(true).is_none() {
            crate::web::after_next_frame(move || {
                let _ = votes_now.try_set(true);
            });
        }
    });
    Effect::new(move |_| {
        let settings = adjust.get();
        let (Some(canvas), Ok(img)) = (canvas_ref.get(), image.as_ref()) else {
            return;
        };
        match paint(&canvas, img, &settings) {
            Ok(()) => {
                let _ = canvas.set_attribute("data-state", "drawn");
                timing::mark_once("gzv:first-image");
                // every galaxy drawn, for click-to-drawn timing
                timing::mark("gzv:galaxy-drawn");
            }
            Err(e) => draw_error.set(Some(e)),
        }
    });
    let file = galaxy
        .file
        .rsplit('/')
        .next()
        .unwrap_or(&galaxy.file)
        .to_string();
    let (w, h) = galaxy
        .image
        .as_ref()
        .map(|i| (i.width, i.height))
        .unwrap_or((424, 424));
    view! {
        <figure class="galaxy-card">
            {match &galaxy.image {
                Ok(_) => view! {
                    <div class="image-frame" class:zoomed=move || { zoom.get() > 1 }>
                        <canvas node_ref=canvas_ref id="galaxy-image" width=w height=h data-state="decoded"
                            style:width=move || { if zoom.get() > 1 { format!("{}px", w * zoom.get()) } else { String::new() } }
                            style:max-width=move || { if zoom.get() > 1 { "none" } else { "" } }
                            role="img" aria-label=format!("Galaxy {}", galaxy.id.clone().unwrap_or_default())></canvas>
                    </div>
                    <Show when=move || details_now.get()>
                        <ImageControls adjust=adjust zoom=zoom/>
                    </Show>
                }.into_any(),
                Err(e) => view! {
                    <div class="image-placeholder" id="galaxy-image-error" role="alert">
                        <p>"The image could not be shown."</p><p class="detail">{e.clone()}</p>
                    </div>
                }.into_any(),
            }}
            {move || draw_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Show when=move || details_now.get()>
            <figcaption>
                <dl class="galaxy-facts">
                    <dt>"id_str"</dt><dd><span id="galaxy-id">{galaxy.id.clone().unwrap_or_else(|| "—".into())}</span>
                        {galaxy.id.clone().map(|id| view! { " " <CopyButton text=id what="id"/> })}</dd>
                    <dt>"RA"</dt><dd><span id="galaxy-ra" data-value=galaxy.ra.map(|v| v.to_string())>{degrees(galaxy.ra)}</span>
                        {galaxy.ra.map(|ra| view! { " " <span class="muted" id="galaxy-ra-hms">{crate::sky::ra_hms(ra)}</span> })}</dd>
                    <dt>"Dec"</dt><dd><span id="galaxy-dec" data-value=galaxy.dec.map(|v| v.to_string())>{degrees(galaxy.dec)}</span>
                        {galaxy.dec.map(|dec| view! { " " <span class="muted" id="galaxy-dec-dms">{crate::sky::dec_dms(dec)}</span> })}</dd>
                    <dt>"From"</dt><dd id="galaxy-from" data-row=galaxy.row>{format!("{}, {file}, row {} (dataset row {} of {})", galaxy.split, galaxy.file_row, galaxy.row, galaxy.rows)}</dd>
                    {galaxy.ra.zip(galaxy.dec).map(|(ra, dec)| view! {
                        <dt>"Position"</dt>
                        <dd>
                            <CopyButton text=format!("{ra:.6} {dec:.6}") what="coordinates"/>" "
                            <a id="galaxy-viewer-link" href=crate::sky::legacy_viewer_url(ra, dec) target="_blank" rel="noopener">"Legacy Surveys viewer"</a>" · "
                            <a id="galaxy-cutout-link" href=crate::sky::legacy_cutout_url(ra, dec) target="_blank" rel="noopener">"JPEG cutout"</a>
                        </dd>
                    })}
                </dl>
            </figcaption>
            </Show>
        </figure>
        <Show when=move || votes_now.get()>
            <VotesPanel votes=votes.clone()/>
        </Show>
        {(crate::web::query_param("bench").as_deref() == Some("decode")).then(|| view! { <DecodeBench encoded=encoded.clone()/> })}
    }
}

/// Stretch, brightness, contrast, invert, channel and zoom for the image.
#[component]
fn ImageControls(adjust: RwSignal<Adjust>, zoom: RwSignal<u32>) -> impl IntoView {
    let value = |e: &leptos::ev::Event| event_target_value(e);
    view! {
        <fieldset class="image-controls">
            <legend>"Display"</legend>
            <label>"Stretch "
                <select id="ctl-stretch" on:change=move |e| {
                    let s = match value(&e).as_str() { "asinh" => Stretch::Asinh, "log" => Stretch::Log, _ => Stretch::Linear };
                    adjust.update(|a| a.stretch = s);
                }
                prop:value=move || match adjust.get().stretch { Stretch::Linear => "linear", Stretch::Asinh => "asinh", Stretch::Log => "log" }>
                    <option value="linear">"linear"</option>
                    <option value="asinh">"asinh"</option>
                    <option value="log">"log"</option>
                </select>
            </label>
            <label>"Brightness "
                <input id="ctl-brightness" type="range" min="-0.5" max="0.5" step="0.01"
                    prop:value=move || adjust.get().brightness.to_string()
                    on:input=move |e| adjust.update(|a| a.brightness = value(&e).parse().unwrap_or(0.0))/>
            </label>
            <label>"Contrast "
                <input id="ctl-contrast" type="range" min="0.2" max="3" step="0.05"
                    prop:value=move || adjust.get().contrast.to_string()
                    on:input=move |e| adjust.update(|a| a.contrast = value(&e).parse().unwrap_or(1.0))/>
            </label>
            <label>"Channel "
                <select id="ctl-channel" on:change=move |e| {
                    let c = match value(&e).as_str() { "r" => Channel::Only(0), "g" => Channel::Only(1), "b" => Channel::Only(2), _ => Channel::All };
                    adjust.update(|a| a.channel = c);
                }
                prop:value=move || match adjust.get().channel { Channel::Only(0) => "r", Channel::Only(1) => "g", Channel::Only(_) => "b", Channel::All => "all" }>
                    <option value="all">"all (z r g)"</option>
                    <option value="r">"red (z)"</option>
                    <option value="g">"green (r)"</option>
                    <option value="b">"blue (g)"</option>
                </select>
            </label>
            <label><input id="ctl-invert" type="checkbox" prop:checked=move || adjust.get().invert
                on:change=move |e| adjust.update(|a| a.invert = event_target_checked(&e))/>" Invert"</label>
            <span class="zoom" role="group" aria-label="Zoom">
                {[1u32, 2, 4].into_iter().map(|z| view! {
                    <button type="button" class="zoom-btn" aria-pressed=move || (zoom.get() == z).to_string()
                        on:click=move |_| zoom.set(z)>{if z == 1 { "fit".to_string() } else { format!("{z}×") }}</button>
                }).collect_view()}
            </span>
            <button type="button" id="ctl-reset" on:click=move |_| { adjust.set(Adjust::default()); zoom.set(1); }>"Reset"</button>
        </fieldset>
    }
}

/// `?bench=decode`: compare decoders on this galaxy's image and show the medians.
#[component]
fn DecodeBench(encoded: Option<Arc<Vec<u8>>>) -> impl IntoView {
    let result = RwSignal::new(None::<Result<crate::web::decode_bench::DecodeTimes, String>>);
    if let Some(bytes) = encoded {
        leptos::task::spawn_local(async move {
            result.set(Some(crate::web::decode_bench::compare(&bytes, 25).await));
        });
    }
    view! {
        <p class="muted">
            {move || match result.get() {
                None => view! { <span>"Comparing decoders…"</span> }.into_any(),
                Some(Ok(t)) => view! {
                    <output id="bench-decode" data-bitmap=t.bitmap_ms data-pixels=t.bitmap_and_pixels_ms>
                        {format!("decode: createImageBitmap {:.2} ms, with pixels read back {:.2} ms", t.bitmap_ms, t.bitmap_and_pixels_ms)}
                    </output>
                }.into_any(),
                Some(Err(e)) => view! { <span class="error" id="bench-decode-error">{e}</span> }.into_any(),
            }}
        </p>
    }
}
