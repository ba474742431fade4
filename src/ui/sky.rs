//! The sky map: every galaxy's position in an all-sky (Mollweide, Hammer-Aitoff) or close-up
//! (gnomonic, orthographic) projection, east left, with a labelled graticule, the Galactic
//! plane and the ecliptic; points coloured by a vote fraction or a HEALPix density; drag,
//! wheel, pinch and keys to move; hover for the nearest galaxy, click to open it, shift-drag
//! to select a rectangle. Points are rasterised in wasm into one RGBA buffer per frame
//! (measured: see the README), overlays are drawn over it with the 2D canvas.

use super::client::go_to;
use super::state::{AppState, GalaxyView, PositionsView};
use super::state::{ColourBy, ColourView};
use crate::sky::colormap;
use crate::sky::overlays;
use crate::sky::projection::{Projection, SkyView};
use crate::sky::raster::{self, Screen};
use crate::sky::view_state::MapQuery;
use crate::web::timing;
use leptos::ev;
use leptos::html::Canvas;
use leptos::prelude::*;
use std::f64::consts::PI;
use std::rc::Rc;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// HEALPix resolution of the density mode: 49,152 cells of 0.84 deg².
const DENSITY_NSIDE: u32 = 64;
/// CSS pixels within which the pointer picks a galaxy.
const PICK_PX: f64 = 10.0;

/// How the map looks: projection, centre, zoom, pan (CSS pixels) and what is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
struct MapView {
    projection: Projection,
    ra0: f64,
    dec0: f64,
    zoom: f64,
    pan_x: f64,
    pan_y: f64,
    density: bool,
    grid: bool,
    galactic: bool,
    ecliptic: bool,
}

impl Default for MapView {
    fn default() -> Self {
        // RA 180° in the middle: the DESI footprint's northern cap sits whole in the view
        MapView {
            projection: Projection::Mollweide,
            ra0: 180.0,
            dec0: 0.0,
            zoom: 1.0,
            pan_x: 0.0,
            pan_y: 0.0,
            density: false,
            grid: true,
            galactic: true,
            ecliptic: false,
        }
    }
}

/// The part of the view the address keeps.
fn map_query(v: &MapView) -> MapQuery {
    MapQuery {
        projection: v.projection,
        ra0: v.ra0,
        dec0: v.dec0,
        zoom: v.zoom,
        pan_x: v.pan_x,
        pan_y: v.pan_y,
    }
}

impl MapView {
    fn sky(&self) -> SkyView {
        SkyView::new(
            self.projection,
            self.ra0,
            if self.projection.all_sky() {
                0.0
            } else {
                self.dec0
            },
        )
    }
    /// Screen placement on a canvas of `w`×`h` device pixels.
    fn screen(&self, w: u32, h: u32, dpr: f64) -> Screen {
        let (wf, hf) = (w as f64, h as f64);
        let base = match self.projection.extent() {
            Some((ex, ey)) => (wf / (2.0 * ex * 1.03)).min(hf / (2.0 * ey * 1.03)),
            // gnomonic: 60° across the canvas at zoom 1
            None => wf / (2.0 * (30.0f64).to_radians().tan()),
        };
        Screen {
            width: w,
            height: h,
            scale: base * self.zoom,
            cx: wf / 2.0 + self.pan_x * dpr,
            cy: hf / 2.0 + self.pan_y * dpr,
        }
    }
}

/// What the last frame drew and the buffers reused by the next.
#[derive(Default)]
struct Render {
    px: Vec<f32>,
    py: Vec<f32>,
    /// The store (its address), view and number of the store's fills `px`/`py` were
    /// projected for: a new fill projects only its own points.
    projected: Option<(usize, SkyView, usize)>,
    counts: Option<(u64, Vec<u32>)>,
    /// Per-point Mollweide terms for turning the all-sky view, for a store and its first
    /// so many fills.
    turn: Option<(usize, usize, raster::MollweideTurn)>,
    /// Overlay lines projected for a view (they change with its orientation, not its zoom).
    overlays: Option<(SkyView, f64, OverlayLines)>,
    buf: Vec<u8>,
    screen: Option<Screen>,
    dpr: f64,
    frame_pending: bool,
    /// The canvas's width in CSS pixels, as its ResizeObserver last said (read there, after
    /// the browser's own layout, so a frame never forces one); no draw before it is known.
    css_w: Option<f64>,
    /// The last frame left the overlay lines for this one.
    overlays_waited: bool,
    /// How many parts of the overlays ([`OVERLAY_PARTS`]) this canvas has drawn so far: its
    /// first drawing adds one part a frame (the browser's first paths, text and dashes on
    /// a canvas, with their code's first run, made one 27 ms piece of a 31 ms frame).
    overlay_parts: u8,
    /// The device pixel ratio the context's font was last set for (setting a canvas's
    /// font brings the whole page's style up to date first: it is set once, not per frame).
    label_font_set: Option<f64>,
    /// Milliseconds of the last frames (the benchmark reads them).
    frames: Vec<f64>,
    /// Frames drawn so far (tests read it).
    frame_count: u64,
    drag: Option<Drag>,
    pointers: Vec<(i32, f64, f64)>,
    /// Where the canvas was on the screen when the pointers went down (its rect's left,
    /// top): moves while a pointer is down are placed by it. Asking the browser at each
    /// move forced a layout of the whole page whenever it had changed since the last
    /// frame, as it does while the page is built and the dataset lands (tens of ms a move).
    origin: Option<(f64, f64)>,
    pinch: Option<(f64, f64)>,
}

#[derive(Clone, Copy, Debug)]
struct Drag {
    start: (f64, f64),
    last: (f64, f64),
    select: bool,
    moved: bool,
}

/// The galaxy under the pointer.
#[derive(Clone, Debug, PartialEq)]
struct Hover {
    x: f64,
    y: f64,
    slot: usize,
    lines: Vec<String>,
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
}

/// A CSS gradient of the colour map, for the colour bar.
fn gradient_css() -> String {
    let stops: Vec<String> = (0..=10)
        .map(|i| {
            let [r, g, b] = colormap::color(i as f32 / 10.0);
            format!("rgb({r},{g},{b}) {}%", i * 10)
        })
        .collect();
    format!("linear-gradient(to right, {})", stops.join(", "))
}

/// While points stream in, the map is drawn again at most this often (ms)...
const POINTS_FRAME_MS: f64 = 200.0;
/// ... and at most once in this many times the last frame's length: drawing the map
/// fills in keeps to ~5 % of the page's thread however many points it holds (at full
/// scale a frame of 400,000 points, with its copy to the screen, is tens of ms).
const POINTS_FRAME_SHARE: f64 = 20.0;

/// The grid labels' font, at the device's pixel ratio.
fn label_font(dpr: f64) -> String {
    format!("{}px system-ui, sans-serif", (11.0 * dpr).round())
}

/// Draw the map's label text once on a canvas of its own, before the map's first frame:
/// the browser's first text on a canvas (finding the font, its glyphs) takes tens of
/// milliseconds, which would otherwise lengthen that frame.
pub fn warm_text() {
    let _span = crate::web::timing::Span::new("sky text warm-up");
    let dpr = web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0)
        .clamp(1.0, 3.0);
    let Some(canvas) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("canvas").ok())
        .and_then(|c| c.dyn_into::<HtmlCanvasElement>().ok())
    else {
        return;
    };
    canvas.set_width(8);
    canvas.set_height(8);
    if let Some(ctx) = context(&canvas) {
        ctx.set_font(&label_font(dpr));
        let _ = ctx.fill_text("0123456789h°+−′″ RADec", 0.0, 6.0);
    }
}

/// The sky map panel.
#[component]
pub fn SkyPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let view_sig = RwSignal::new(MapView::default());
    let hover = RwSignal::new(None::<Hover>);
    let cursor = RwSignal::new(None::<(f64, f64)>);
    let selection = state.selection;
    let choice = RwSignal::new(None::<usize>);
    let render = StoredValue::new_local(Render::default());
    let canvas_ref = NodeRef::<Canvas>::new();
    let resized = RwSignal::new(0u32);
    // the grid's lines for the view the map opens with, in a task of their own before its
    // first frame (computed in that frame, they made it the page's longest task: 29 ms
    // of a 41 ms frame under load); a frame that finds them made does not make them again
    set_timeout(
        move || {
            let Some(v) = view_sig.try_get_untracked() else {
                return;
            };
            let sky = v.sky();
            let (ra_step, dec_step, sample) = grid_steps(v.zoom);
            render.try_update_value(|r| {
                if r.overlays.is_none() {
                    let _s = crate::web::timing::Span::new("sky overlay lines");
                    r.overlays =
                        Some((sky, ra_step, overlay_lines(&sky, ra_step, dec_step, sample)));
                }
            });
        },
        std::time::Duration::ZERO,
    );

    // the view in the address (?map=): read at start and on back/forward, written (replacing
    // the entry: a pan is not a step of history) once the view has rested
    let map_error = RwSignal::new(None::<String>);
    let from_address = move |at_start: bool| match crate::web::query_param("map") {
        Some(text) => match MapQuery::parse(&text) {
            Ok(q) => {
                map_error.set(None);
                view_sig.update(|v| {
                    (v.projection, v.ra0, v.dec0, v.zoom, v.pan_x, v.pan_y) =
                        (q.projection, q.ra0, q.dec0, q.zoom, q.pan_x, q.pan_y);
                });
            }
            Err(e) => map_error.set(Some(format!("{e}: the map shows its default view"))),
        },
        None if !at_start => view_sig.update(|v| {
            let d = MapView::default();
            (v.projection, v.ra0, v.dec0, v.zoom, v.pan_x, v.pan_y) =
                (d.projection, d.ra0, d.dec0, d.zoom, d.pan_x, d.pan_y);
        }),
        None => {}
    };
    from_address(true);
    let map_history = window_event_listener(ev::popstate, move |_| from_address(false));
    on_cleanup(move || map_history.remove());
    // (one timer at a time, checked when it fires: a drag changes the view at every frame,
    // and clearing and setting a timer at each was a sixth of a drag frame's script)
    let map_rest = StoredValue::new_local(MapRest::default());
    Effect::new(move |first: Option<()>| {
        view_sig.track();
        if first.is_none() {
            return;
        }
        let armed = map_rest
            .try_update_value(|r| {
                r.changed_at = now();
                std::mem::replace(&mut r.armed, true)
            })
            .unwrap_or(true);
        if !armed {
            write_map_when_rested(view_sig, map_rest, MAP_REST_MS);
        }
    });

    // "go to": centre on the position, close up
    Effect::new(move |_| {
        if let Some((ra, dec)) = state.mark.get() {
            view_sig.update(|v| {
                if v.projection.all_sky() {
                    v.projection = Projection::Gnomonic;
                    v.zoom = 12.0;
                } else {
                    v.zoom = v.zoom.max(4.0);
                }
                (v.ra0, v.dec0) = (ra, dec);
                (v.pan_x, v.pan_y) = (0.0, 0.0);
            });
        }
    });

    // draw on the next animation frame, however many changes arrive before it
    // galaxies on the map at its last frame (the loading line says it)
    let on_map = RwSignal::new(0usize);
    let draw_now = move || draw(state, view_sig, render, canvas_ref, on_map);
    let schedule = move || {
        let pending = render
            .try_update_value(|r| std::mem::replace(&mut r.frame_pending, true))
            .unwrap_or(true);
        if pending {
            return;
        }
        let cb = wasm_bindgen::closure::Closure::once_into_js(move || {
            render.update_value(|r| r.frame_pending = false);
            if draw_now() {
                // the overlays wait for a frame of their own
                resized.update(|n| *n += 1);
            }
        });
        if let Some(w) = web_sys::window() {
            let _ = w.request_animation_frame(cb.unchecked_ref());
        }
    };
    // the map is drawn again when the positions' state changes (loading, ready, failed),
    // not at each of their progress steps (a hundred while the map loads: each was a
    // full frame of the map, beside the frames the points themselves ask for)
    let positions_state = Memo::new(move |_| std::mem::discriminant(&state.positions.get()));
    Effect::new(move |_| {
        view_sig.track();
        // (read, not only tracked: a memo never read is never compared, so never changes)
        let _ = positions_state.get();
        state.galaxy.track();
        state.mark.track();
        selection.track();
        resized.track();
        schedule();
    });
    // points arriving while the map loads: a frame at most every POINTS_FRAME_MS (the
    // map fills in visibly; tens of thousands of points are not drawn again each time a
    // run lands); once loaded, a change (colours, a filter) is drawn at the next frame
    let points_drawn_at = StoredValue::new(f64::NEG_INFINITY);
    let points_wait = StoredValue::new_local(None::<TimeoutHandle>);
    Effect::new(move |_| {
        state.sky_version.track();
        let loading = matches!(
            state.positions.get_untracked(),
            PositionsView::Loading { .. }
        );
        let since = now() - points_drawn_at.get_value();
        let last = render.with_value(|r| r.frames.last().copied().unwrap_or(0.0));
        let every = POINTS_FRAME_MS.max(POINTS_FRAME_SHARE * last);
        if !loading || since >= every {
            points_drawn_at.set_value(now());
            schedule();
        } else if points_wait.with_value(Option::is_none) {
            let h = set_timeout_with_handle(
                move || {
                    points_wait.set_value(None);
                    points_drawn_at.set_value(now());
                    schedule();
                },
                std::time::Duration::from_millis((every - since).max(0.0) as u64),
            )
            .ok();
            points_wait.set_value(h);
        }
    });
    on_cleanup(move || {
        if let Some(h) = points_wait.try_get_value().flatten() {
            h.clear();
        }
    });
    // the canvas's width, from a ResizeObserver (after layout: no forced layout in a frame)
    Effect::new(move |_| {
        let Some(canvas) = canvas_ref.get() else {
            return;
        };
        crate::web::on_resize(&canvas, move |entries: js_sys::Array| {
            let Some(entry) = entries
                .get(0)
                .dyn_into::<web_sys::ResizeObserverEntry>()
                .ok()
            else {
                return;
            };
            let w = entry.content_rect().width();
            let changed = render
                .try_update_value(|r| {
                    let changed = r.css_w != Some(w);
                    r.css_w = Some(w);
                    changed
                })
                .unwrap_or(false);
            if changed {
                resized.update(|n| *n += 1);
            }
        });
    });

    let choices = Memo::new(move |_| state.colour_choices.get());

    // pointer position in CSS pixels relative to the canvas
    let origin_now = move || -> Option<(f64, f64)> {
        canvas_ref.get().map(|c| {
            let r = c.get_bounding_client_rect();
            (r.left(), r.top())
        })
    };
    let local = move |e: &web_sys::MouseEvent| -> (f64, f64) {
        let held = render
            .try_with_value(|r| r.origin.filter(|_| !r.pointers.is_empty()))
            .flatten();
        match held.or_else(origin_now) {
            Some((left, top)) => (e.client_x() as f64 - left, e.client_y() as f64 - top),
            None => (0.0, 0.0),
        }
    };
    // (ra, dec) under a CSS pixel
    let sky_at = move |x: f64, y: f64| -> Option<(f64, f64)> {
        let (screen, dpr) = render.with_value(|r| (r.screen, r.dpr));
        let screen = screen?;
        let (u, v) = screen.from_px(x * dpr, y * dpr);
        view_sig.get_untracked().sky().unproject(u, v)
    };
    let pick = move |x: f64, y: f64| -> Option<usize> {
        let (ra, dec) = sky_at(x, y)?;
        let scale = render.with_value(|r| r.screen.map(|s| s.scale / r.dpr))?;
        let max_deg = (PICK_PX / scale).to_degrees().clamp(0.001, 10.0);
        // with a filter, only the galaxies drawn can be picked
        let filter = state.filter_selection.get_value();
        state
            .sky
            .get_value()?
            .borrow_mut()
            .nearest_where(ra, dec, max_deg, |s| {
                filter.as_ref().is_none_or(|f| f.contains(s))
            })
    };
    let describe = move |slot: usize| -> Vec<String> {
        let Some(store) = state.sky.get_value() else {
            return Vec::new();
        };
        let s = store.borrow();
        let mut lines = vec![
            s.id(slot)
                .map(str::to_string)
                .unwrap_or_else(|| format!("row {}", s.row[slot])),
        ];
        let (ra, dec) = (s.ra[slot] as f64, s.dec[slot] as f64);
        lines.push(format!(
            "RA {ra:.4}° ({}), Dec {dec:+.4}° ({})",
            crate::sky::ra_hms(ra),
            crate::sky::dec_dms(dec)
        ));
        match s.describe_top(slot) {
            Some(t) => lines.push(t),
            None if s.top_names.is_empty() => {
                lines.push("colour by a question to see its top answer here".into())
            }
            None => lines.push("no votes for the questions loaded".into()),
        }
        if !s.value[slot].is_nan() {
            lines.push(format!("colour: {:.0} %", s.value[slot] * 100.0));
        } else if !matches!(state.colour.get_untracked(), ColourView::Plain) {
            lines.push("colour: not asked".into());
        }
        lines
    };

    let on_down = move |e: ev::PointerEvent| {
        // (a second finger keeps the first's origin)
        if render.with_value(|r| r.pointers.is_empty()) {
            let origin = origin_now();
            render.update_value(|r| r.origin = origin);
        }
        let (x, y) = local(&e);
        if let Some(c) = canvas_ref.get() {
            let _ = c.set_pointer_capture(e.pointer_id());
            let _ = c.focus();
        }
        render.update_value(|r| {
            r.pointers.retain(|p| p.0 != e.pointer_id());
            r.pointers.push((e.pointer_id(), x, y));
            if r.pointers.len() == 2 {
                let d = ((r.pointers[0].1 - r.pointers[1].1).powi(2)
                    + (r.pointers[0].2 - r.pointers[1].2).powi(2))
                .sqrt();
                r.pinch = Some((d.max(1.0), view_sig.get_untracked().zoom));
                r.drag = None;
            } else {
                r.drag = Some(Drag {
                    start: (x, y),
                    last: (x, y),
                    select: e.shift_key(),
                    moved: false,
                });
            }
        });
    };
    let on_move = move |e: ev::PointerEvent| {
        let (x, y) = local(&e);
        cursor.set(sky_at(x, y));
        let (drag, pinch) = render.with_value(|r| (r.drag, r.pinch));
        if let Some((d0, z0)) = pinch {
            render.update_value(|r| {
                if let Some(p) = r.pointers.iter_mut().find(|p| p.0 == e.pointer_id()) {
                    (p.1, p.2) = (x, y);
                }
            });
            let d = render.with_value(|r| {
                if r.pointers.len() < 2 {
                    return d0;
                }
                ((r.pointers[0].1 - r.pointers[1].1).powi(2)
                    + (r.pointers[0].2 - r.pointers[1].2).powi(2))
                .sqrt()
            });
            view_sig.update(|v| v.zoom = (z0 * d / d0).clamp(0.5, 200.0));
            return;
        }
        match drag {
            Some(mut d) => {
                let (dx, dy) = (x - d.last.0, y - d.last.1);
                d.last = (x, y);
                d.moved |= (x - d.start.0).abs() + (y - d.start.1).abs() > 4.0;
                render.update_value(|r| r.drag = Some(d));
                if d.select {
                    schedule();
                } else if d.moved {
                    let scale = render
                        .with_value(|r| r.screen.map(|s| s.scale / r.dpr))
                        .unwrap_or(100.0);
                    view_sig.update(|v| pan(v, dx, dy, scale));
                }
                hover.set(None);
            }
            None => {
                let h = pick(x, y).map(|slot| Hover {
                    x,
                    y,
                    slot,
                    lines: describe(slot),
                });
                hover.set(h);
            }
        }
    };
    let on_up = move |e: ev::PointerEvent| {
        let (x, y) = local(&e);
        let drag = render.try_update_value(|r| {
            r.pointers.retain(|p| p.0 != e.pointer_id());
            if r.pointers.len() < 2 {
                r.pinch = None;
            }
            if r.pointers.is_empty() {
                r.origin = None;
            }
            r.drag.take()
        });
        let Some(Some(d)) = drag else { return };
        if d.select && d.moved {
            state.selection_what.set(None);
            selection.set(select_rect(state, render, d.start, (x, y)));
        } else if !d.moved {
            // a click: open the galaxy under the pointer
            if let Some(slot) = pick(x, y) {
                let row = state
                    .sky
                    .get_value()
                    .map(|s| s.borrow().row[slot])
                    .unwrap_or(u32::MAX);
                if row != u32::MAX {
                    go_to(state, row as u64, true);
                }
            }
        }
        schedule();
    };
    let on_wheel = move |e: ev::WheelEvent| {
        e.prevent_default();
        let (x, y) = local(&e);
        let factor = (-e.delta_y() * if e.delta_mode() == 1 { 0.05 } else { 0.0015 }).exp();
        zoom_at(view_sig, canvas_ref, factor, Some((x, y)));
    };
    let on_key = move |e: ev::KeyboardEvent| {
        let step = 10.0 / view_sig.get_untracked().zoom;
        match e.key().as_str() {
            "ArrowLeft" => view_sig.update(|v| v.ra0 = (v.ra0 + step).rem_euclid(360.0)),
            "ArrowRight" => view_sig.update(|v| v.ra0 = (v.ra0 - step).rem_euclid(360.0)),
            "ArrowUp" => view_sig.update(|v| nudge_dec(v, step)),
            "ArrowDown" => view_sig.update(|v| nudge_dec(v, -step)),
            "+" | "=" => zoom_at(view_sig, canvas_ref, 1.25, None),
            "-" | "_" => zoom_at(view_sig, canvas_ref, 0.8, None),
            "0" => view_sig.update(|v| {
                *v = MapView {
                    projection: v.projection,
                    density: v.density,
                    grid: v.grid,
                    galactic: v.galactic,
                    ecliptic: v.ecliptic,
                    ..MapView::default()
                }
            }),
            _ => return,
        }
        e.prevent_default();
        e.stop_propagation();
    };

    let set_projection = move |key: String| {
        if let Some(p) = Projection::from_key(&key) {
            view_sig.update(|v| {
                if !p.all_sky() && v.projection.all_sky() {
                    // close-up: centre on the galaxy shown, else keep the centre
                    if let GalaxyView::Ready(g) = state.galaxy.get_untracked()
                        && let (Some(ra), Some(dec)) = (g.ra, g.dec)
                    {
                        (v.ra0, v.dec0) = (ra, dec);
                    }
                }
                v.projection = p;
                v.zoom = 1.0;
                (v.pan_x, v.pan_y) = (0.0, 0.0);
            });
        }
    };

    // a table without positions has no map: only the line saying so
    let absent = move || matches!(state.positions.get(), PositionsView::Absent);
    view! {
        <section class="sky" aria-labelledby="sky-title">
            <h2 id="sky-title">"Sky map"</h2>
            <div hidden=absent><super::goto::GoTo/></div>
            {move || map_error.get().map(|e| view! { <p class="error" role="alert" id="sky-map-error">{e}</p> })}
            <div class="sky-controls" hidden=absent>
                <label>"Projection "
                    <select id="sky-projection" on:change=move |e| set_projection(event_target_value(&e))>
                        {Projection::ALL.iter().map(|p| view! { <option value=p.key() selected=move || view_sig.get().projection == *p>{p.name()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Show "
                    <select id="sky-mode" on:change=move |e| { let d = event_target_value(&e) == "density"; view_sig.update(|v| v.density = d) }>
                        <option value="points" selected>"points"</option>
                        <option value="density">"density (HEALPix)"</option>
                    </select>
                </label>
                <label>"Colour by "
                    <select id="sky-colour" on:change=move |e| {
                        let i = event_target_value(&e).parse::<usize>().ok();
                        choice.set(i);
                        colour_by(state, i.and_then(|i| choices.get_untracked().get(i).cloned()));
                    }>
                        <option value="none" selected>"nothing (one colour)"</option>
                        {move || choices.get().into_iter().enumerate().map(|(i, c): (usize, ColourBy)| {
                            view! { <option value=i.to_string()>{c.label()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label><input type="checkbox" id="sky-grid" prop:checked=move || view_sig.get().grid on:change=move |e| { let on = event_target_checked(&e); view_sig.update(|v| v.grid = on) }/>" RA/Dec grid"</label>
                <label><input type="checkbox" id="sky-galactic" prop:checked=move || view_sig.get().galactic on:change=move |e| { let on = event_target_checked(&e); view_sig.update(|v| v.galactic = on) }/>" Galactic plane"</label>
                <label><input type="checkbox" id="sky-ecliptic" prop:checked=move || view_sig.get().ecliptic on:change=move |e| { let on = event_target_checked(&e); view_sig.update(|v| v.ecliptic = on) }/>" Ecliptic"</label>
            </div>
            <SkyStatus on_map=on_map/>
            <div class="sky-frame" hidden=absent>
                <canvas node_ref=canvas_ref id="sky-canvas" tabindex="0" data-keys="own" role="img"
                    aria-label="Sky map of the galaxies; arrow keys move, + and - zoom, 0 resets, click a galaxy to open it, shift-drag to select"
                    on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up on:pointercancel=on_up
                    on:pointerleave=move |_| { hover.set(None); cursor.set(None) }
                    on:wheel=on_wheel on:keydown=on_key></canvas>
                {move || hover.get().map(|h| view! {
                    <div class="sky-tooltip" id="sky-hover" style:left=format!("{}px", h.x + 14.0) style:top=format!("{}px", h.y + 14.0)>
                        {h.lines.into_iter().map(|l| view! { <div>{l}</div> }).collect_view()}
                    </div>
                })}
            </div>
            <div class="sky-legend" hidden=absent>
                <span id="sky-cursor" class="muted">{move || match cursor.get() {
                    Some((ra, dec)) => format!("cursor: RA {ra:.3}° ({}), Dec {dec:+.3}° ({})", crate::sky::ra_hms(ra), crate::sky::dec_dms(dec)),
                    None => "cursor: off the sky".into(),
                }}</span>
                {move || {
                    let v = view_sig.get();
                    if v.density {
                        let max = render.with_value(|r| r.counts.as_ref().map(|c| c.1.iter().copied().max().unwrap_or(0))).unwrap_or(0);
                        state.sky_version.track();
                        view! {
                            <span class="colour-bar-wrap" id="sky-density-legend">"galaxies per 0.84 deg² cell: 1 "
                                <span class="colour-bar" style:background=gradient_css()></span>{format!(" {max} (log)")}</span>
                        }.into_any()
                    } else {
                        match state.colour.get() {
                            ColourView::Plain => view! { <span class="muted">"one colour: choose a question to colour by its votes"</span> }.into_any(),
                            ColourView::Loading { label, done, total } => view! {
                                <span class="loading" id="sky-colour-loading"><span class="spinner" aria-hidden="true"></span>{format!("loading {label}: {done}/{total} requests")}</span>
                            }.into_any(),
                            ColourView::Ready { label, asked, not_asked } => view! {
                                <span class="colour-bar-wrap" id="sky-colour-legend">{label}": 0 % "<span class="colour-bar" style:background=gradient_css()></span>" 100 % · "
                                    <span class="swatch" style:background=format!("rgb({},{},{})", colormap::MISSING[0], colormap::MISSING[1], colormap::MISSING[2])></span>
                                    <span id="sky-not-asked">{format!(" not asked: {} of {}", super::shown::fmt_count(not_asked), super::shown::fmt_count(asked + not_asked))}</span></span>
                            }.into_any(),
                            ColourView::Failed(e) => view! { <span class="error" role="alert" id="sky-colour-error">{e}</span> }.into_any(),
                        }
                    }
                }}
                {move || selection.get().map(|(n, rows)| view! {
                    <span id="sky-selection">{format!("{} selected", super::shown::fmt_count(n))}
                        {(!rows.is_empty()).then(|| view! {
                            " " <button type="button" id="sky-selection-first" on:click=move |_| go_to(state, rows[0], true)>"open the first"</button>
                        })}
                        " " <button type="button" id="sky-selection-clear" on:click=move |_| { selection.set(None); state.selection_what.set(None); }>"clear"</button>
                    </span>
                })}
            </div>
        </section>
    }
}

/// Loading progress and notes of the map's data; `on_map`: the galaxies on the map at
/// its last frame (said as the map shows them, not as each run of points lands: that was
/// a hundred more frames of the page while the map loaded).
#[component]
fn SkyStatus(on_map: RwSignal<usize>) -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <p class="sky-status" id="sky-status">
            {move || match state.positions.get() {
                PositionsView::NotStarted => view! { <span class="muted">"Waiting for the dataset…"</span> }.into_any(),
                PositionsView::Absent => view! { <span id="sky-absent">"This table has no ra/dec columns: no sky map."</span> }.into_any(),
                PositionsView::Loading { done, total } => {
                    let loaded = on_map.get();
                    view! {
                        <span class="loading"><span class="spinner" aria-hidden="true"></span>
                        {format!("Loading positions: {} galaxies drawn, {done}/{total} requests", super::shown::fmt_count(loaded))}</span>
                        <progress max=total.max(1) value=done></progress>
                    }.into_any()
                }
                PositionsView::Ready { count, failed } => view! {
                    <span id="sky-count">{format!("{} galaxies", super::shown::fmt_count(count))}</span>
                    {state.sky_catalog.get()
                        .then(|| view! { <span class="muted" id="sky-from-catalog">" (from the catalog sidecar)"</span> })}
                    {(!failed.is_empty()).then(|| view! { <span class="error" role="alert">{format!(" — {} parts could not be read: {}", failed.len(), failed.join("; "))}</span> })}
                }.into_any(),
                PositionsView::Failed(e) => view! { <span class="error" role="alert" id="sky-error">{format!("Positions could not be read: {e}")}</span> }.into_any(),
            }}
            {move || state.sky_note.get().map(|n| view! { <span class="muted" id="sky-note">" "{n}</span> })}
        </p>
    }
}

/// Move the view by a drag of (dx, dy) CSS pixels at `scale` CSS pixels per unit.
fn pan(v: &mut MapView, dx: f64, dy: f64, scale: f64) {
    if v.projection.all_sky() {
        // horizontal drags turn the sky (east is left: dragging right brings larger RA in)
        v.ra0 = (v.ra0 + (dx / scale).to_degrees()).rem_euclid(360.0);
        v.pan_y += dy;
    } else {
        let c = v.dec0.to_radians().cos().max(0.05);
        v.ra0 = (v.ra0 + (dx / scale).to_degrees() / c).rem_euclid(360.0);
        v.dec0 = (v.dec0 + (dy / scale).to_degrees()).clamp(-90.0, 90.0);
    }
}

fn nudge_dec(v: &mut MapView, step: f64) {
    if v.projection.all_sky() {
        v.pan_y += step * 4.0;
    } else {
        v.dec0 = (v.dec0 + step).clamp(-90.0, 90.0);
    }
}

/// Zoom by `factor`, keeping the sky under `at` (CSS pixels) in place in all-sky views.
fn zoom_at(
    view_sig: RwSignal<MapView>,
    canvas: NodeRef<Canvas>,
    factor: f64,
    at: Option<(f64, f64)>,
) {
    let v = view_sig.get_untracked();
    let zoom = (v.zoom * factor).clamp(0.5, 200.0);
    let f = zoom / v.zoom;
    let (cw, ch) = canvas
        .get_untracked()
        .map(|c| (c.client_width() as f64, c.client_height() as f64))
        .unwrap_or((0.0, 0.0));
    view_sig.update(|v| {
        if v.projection.all_sky() {
            let (ax, ay) = at.unwrap_or((cw / 2.0, ch / 2.0));
            // the origin sits at (cw/2 + pan); keep (a - origin)/scale fixed
            let (ox, oy) = (cw / 2.0 + v.pan_x, ch / 2.0 + v.pan_y);
            v.pan_x = ax - (ax - ox) * f - cw / 2.0;
            v.pan_y = ay - (ay - oy) * f - ch / 2.0;
        }
        v.zoom = zoom;
    });
}

/// Rows of the drawn galaxies inside a rectangle of CSS pixels (a scan of the projected
/// points of the last frame: one pass, once per selection).
fn select_rect(
    state: AppState,
    render: StoredValue<Render, LocalStorage>,
    a: (f64, f64),
    b: (f64, f64),
) -> Option<(usize, Vec<u64>)> {
    let store = state.sky.get_value()?;
    let s = store.borrow();
    render.with_value(|r| {
        let screen = r.screen?;
        let (x0, x1) = (a.0.min(b.0) * r.dpr, a.0.max(b.0) * r.dpr);
        let (y0, y1) = (a.1.min(b.1) * r.dpr, a.1.max(b.1) * r.dpr);
        let mut n = 0;
        let mut rows = Vec::new();
        for i in 0..r.px.len().min(s.slots()) {
            if !r.px[i].is_finite() {
                continue;
            }
            let (x, y) = screen.to_px(r.px[i] as f64, r.py[i] as f64);
            if x >= x0 && x <= x1 && y >= y0 && y <= y1 {
                n += 1;
                if s.row[i] != u32::MAX {
                    rows.push(s.row[i] as u64);
                }
            }
        }
        Some((n, rows))
    })
}

/// Milliseconds the view rests before the address says it.
const MAP_REST_MS: f64 = 300.0;

/// When the view last changed, and whether a timer will look at it.
#[derive(Default)]
struct MapRest {
    changed_at: f64,
    armed: bool,
}

/// In `wait` ms: the view in the address (`?map=`, replacing the entry) if it has rested
/// since, else wait for the rest of its rest.
fn write_map_when_rested(
    view_sig: RwSignal<MapView>,
    rest: StoredValue<MapRest, LocalStorage>,
    wait: f64,
) {
    set_timeout(
        move || {
            // the rest still to wait, or none (then disarmed): nothing once the map is gone
            let Some(left) = rest.try_update_value(|r| {
                let left = r.changed_at + MAP_REST_MS - now();
                r.armed = left > 1.0;
                left
            }) else {
                return;
            };
            if left > 1.0 {
                write_map_when_rested(view_sig, rest, left);
                return;
            }
            let Some(v) = view_sig.try_get_untracked() else {
                return;
            };
            let q = map_query(&v).to_query();
            let default = map_query(&MapView::default()).to_query();
            let want = (q != default).then_some(q);
            if crate::web::query_param("map") != want {
                crate::web::set_query_param("map", want.as_deref(), false);
            }
        },
        std::time::Duration::from_millis(wait.max(0.0) as u64),
    );
}

/// Milliseconds a frame may spend before the overlays wait for the next one.
const FRAME_BUDGET_MS: f64 = 12.0;

/// Draw one frame; true if the overlays wait for another frame.
fn draw(
    state: AppState,
    view_sig: RwSignal<MapView>,
    render: StoredValue<Render, LocalStorage>,
    canvas_ref: NodeRef<Canvas>,
    on_map: RwSignal<usize>,
) -> bool {
    let Some(canvas) = canvas_ref.get_untracked() else {
        return false;
    };
    let Some(ctx) = context(&canvas) else {
        return false;
    };
    let _span = crate::web::timing::Span::new("sky draw");
    let t0 = now();
    let dpr = web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0)
        .clamp(1.0, 3.0);
    let v = view_sig.get_untracked();
    // not yet laid out: its ResizeObserver asks for a frame once it is
    let Some(css_w) = render.with_value(|r| r.css_w) else {
        return false;
    };
    let css_w = css_w.max(200.0).round();
    let css_h = (css_w / 2.0).round();
    let (w, h) = ((css_w * dpr).round() as u32, (css_h * dpr).round() as u32);
    if canvas.width() != w || canvas.height() != h {
        canvas.set_width(w);
        canvas.set_height(h);
        // (which resets the context's state, its font too)
        render.update_value(|r| r.label_font_set = None);
        let _ = web_sys::HtmlElement::style(&canvas).set_property("height", &format!("{css_h}px"));
    }
    let screen = v.screen(w, h, dpr);
    let sky = v.sky();
    let version = state.sky_version.get_untracked();
    let store = state.sky.get_value();
    let mut drawn = 0usize;
    let mut total = 0usize;
    // milliseconds of each part of the frame: projection, raster, copy to the canvas, overlays
    let mut parts = [0.0f64; 4];
    render.update_value(|r| {
        r.dpr = dpr;
        r.screen = Some(screen);
        let Some(store) = &store else {
            let _s = crate::web::timing::Span::new("sky clear");
            raster::clear(&mut r.buf, &screen);
            return;
        };
        let s = store.borrow();
        total = s.drawable();
        if total == 0 {
            // slots allocated, nothing arrived yet: nothing to project or draw
            raster::clear(&mut r.buf, &screen);
            return;
        }
        let t = now();
        let key = Rc::as_ptr(store) as usize;
        let fills = s.fill_log();
        let turned = sky.projection == Projection::Mollweide && sky.dec0 == 0.0;
        if turned {
            // turning about the pole needs per-point terms, computed once per point as it arrives
            let seen = match &r.turn {
                Some((k, n, _)) if *k == key && *n <= fills.len() => *n,
                _ => 0,
            };
            if seen == 0 {
                r.turn = Some((key, 0, raster::MollweideTurn::default()));
            }
            if let Some((_, n, turn)) = &mut r.turn {
                for &(start, len) in &fills[seen..] {
                    turn.update(&s.xyz, start, len);
                }
                *n = fills.len();
            }
        }
        // a new store: every slot empty (NaN) again, by one memory fill; from then on only
        // the filled slots are ever written, so the empty ones stay NaN
        if r.projected.is_none_or(|(k, _, _)| k != key) || r.px.len() != s.slots() {
            r.px = crate::sky::all_ones(s.slots());
            r.py = crate::sky::all_ones(s.slots());
            r.projected = None;
        }
        let new_fills = match r.projected {
            Some((k, view, n)) if k == key && view == sky && n <= fills.len() => Some(&fills[n..]),
            _ => None,
        };
        let spans = s.filled_spans();
        let Render { px, py, turn, .. } = &mut *r;
        match (new_fills, turn.as_ref().filter(|_| turned)) {
            // the same view: only the points that arrived since
            (Some(new), Some((_, _, turn))) => new
                .iter()
                .for_each(|&(start, len)| turn.project_range(&s.ra, sky.ra0, start, len, px, py)),
            (Some(new), None) => {
                for &(start, len) in new {
                    let end = (start + len).min(px.len());
                    if let (Some(xyz), Some(x), Some(y)) = (
                        s.xyz.get(3 * start..3 * end),
                        px.get_mut(start..end),
                        py.get_mut(start..end),
                    ) {
                        sky.project_into(xyz, x, y);
                    }
                }
            }
            // a new view: every point that has arrived (a turn costs a subtraction per
            // point, no projection)
            (None, Some((_, _, turn))) => spans.iter().for_each(|&(start, end)| {
                turn.project_range(&s.ra, sky.ra0, start, end - start, px, py)
            }),
            (None, None) => {
                for &(start, end) in spans {
                    let end = end.min(px.len()).min(py.len());
                    if let (Some(xyz), Some(x), Some(y)) = (
                        s.xyz.get(3 * start..3 * end),
                        px.get_mut(start..end),
                        py.get_mut(start..end),
                    ) {
                        sky.project_into(xyz, x, y);
                    }
                }
            }
        }
        r.projected = Some((key, sky, fills.len()));
        parts[0] = now() - t;
        let t = now();
        raster::clear(&mut r.buf, &screen);
        if v.density {
            if r.counts.as_ref().map(|c| c.0) != Some(version) {
                r.counts = Some((
                    version,
                    raster::healpix_counts(DENSITY_NSIDE, &s.ra, &s.dec),
                ));
            }
            if let Some((_, counts)) = &r.counts {
                let block = if v.projection.all_sky() { 2 } else { 3 };
                raster::draw_density(&mut r.buf, &screen, &sky, DENSITY_NSIDE, counts, block);
            }
            drawn = total;
        } else {
            let dot = if total < 20_000 {
                (2.0 * dpr).round() as u32 + 1
            } else {
                dpr.round() as u32
            };
            let colour = !matches!(state.colour.get_untracked(), ColourView::Plain);
            // a filter draws only the galaxies it selects
            let masked: Vec<f32>;
            let spans = s.filled_spans();
            let px = match state.filter_selection.get_value() {
                Some(sel) => {
                    let mut m = crate::sky::all_ones::<f32>(r.px.len());
                    for &(start, end) in spans {
                        for i in start..end.min(m.len()) {
                            if sel.contains(i) {
                                m[i] = r.px[i];
                            }
                        }
                    }
                    masked = m;
                    &masked
                }
                None => &r.px,
            };
            let py = &r.py;
            let _s = crate::web::timing::Span::new("sky raster");
            let values = colour.then_some(&s.value[..]);
            // only the slots that have arrived, not every slot
            drawn = raster::draw_spans(&mut r.buf, &screen, px, py, values, dot, spans);
        }
        parts[1] = now() - t;
    });
    let t = now();
    render.with_value(|r| {
        let _s = crate::web::timing::Span::new("sky put image");
        if let Ok(data) = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&r.buf[..]), w, h) {
            let _ = ctx.put_image_data(&data, 0.0, 0.0);
        }
    });
    parts[2] = now() - t;
    let t = now();
    let (ra_step, dec_step, sample) = grid_steps(v.zoom);
    // New overlay lines are computed, and drawn, in frames of their own when this one has
    // already been long (the first frames: cold code, the canvas's first text): the map is
    // never held back for its grid.
    let mut again = false;
    render.update_value(|r| {
        let new_lines = r.overlays.as_ref().map(|o| (o.0, o.1)) != Some((sky, ra_step));
        // new lines, or the first drawing of any (the browser's first paths and text on
        // this canvas): in the next frame if this one has already been long (once: the
        // next frame does it however long it has been)
        let first = r.overlay_parts < OVERLAY_PARTS;
        if (new_lines || first) && now() - t0 > FRAME_BUDGET_MS && !r.overlays_waited {
            r.overlays_waited = true;
            again = true;
            return;
        }
        r.overlays_waited = false;
        if new_lines {
            let _s = crate::web::timing::Span::new("sky overlay lines");
            r.overlays = Some((sky, ra_step, overlay_lines(&sky, ra_step, dec_step, sample)));
            if now() - t0 > FRAME_BUDGET_MS {
                again = true;
                return;
            }
        }
        let Render {
            overlays,
            overlay_parts,
            label_font_set,
            ..
        } = r;
        if let Some((_, _, lines)) = overlays {
            let _s = crate::web::timing::Span::new("sky overlay draw");
            let parts = (*overlay_parts + 1).min(OVERLAY_PARTS);
            draw_overlays(&ctx, &v, lines, &screen, dpr, label_font_set, parts);
            *overlay_parts = parts;
            // the rest of a first drawing in the frames after this one
            again |= parts < OVERLAY_PARTS;
        }
    });
    let _ = canvas.set_attribute("data-overlays", if again { "pending" } else { "drawn" });
    parts[3] = now() - t;
    // the galaxy shown, ringed
    if let GalaxyView::Ready(g) = state.galaxy.get_untracked()
        && let (Some(ra), Some(dec)) = (g.ra, g.dec)
        && let Some((x, y)) = sky.project(ra, dec)
    {
        let (px, py) = screen.to_px(x, y);
        ctx.set_stroke_style_str("#ff5a8a");
        ctx.set_line_width(2.0 * dpr);
        ctx.begin_path();
        let _ = ctx.arc(px, py, 7.0 * dpr, 0.0, 2.0 * PI);
        ctx.stroke();
    }
    // the position gone to: a cross with an open centre
    if let Some((ra, dec)) = state.mark.get_untracked()
        && let Some((x, y)) = sky.project(ra, dec)
    {
        let (px, py) = screen.to_px(x, y);
        let _ = canvas.set_attribute("data-mark", &format!("{ra:.6} {dec:.6}"));
        ctx.set_stroke_style_str("#ffd54a");
        ctx.set_line_width(2.0 * dpr);
        let _ = ctx.set_line_dash(&js_sys::Array::new());
        ctx.begin_path();
        for (dx, dy) in [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)] {
            ctx.move_to(px + dx * 5.0 * dpr, py + dy * 5.0 * dpr);
            ctx.line_to(px + dx * 14.0 * dpr, py + dy * 14.0 * dpr);
        }
        ctx.stroke();
    }
    // the rectangle being dragged
    if let Some(d) = render.with_value(|r| r.drag).filter(|d| d.select) {
        ctx.set_stroke_style_str("#7fd4ff");
        ctx.set_line_width(dpr);
        ctx.stroke_rect(
            d.start.0 * dpr,
            d.start.1 * dpr,
            (d.last.0 - d.start.0) * dpr,
            (d.last.1 - d.start.1) * dpr,
        );
    }
    let ms = now() - t0;
    render.update_value(|r| {
        r.frame_count += 1;
        r.frames.push(ms);
        if r.frames.len() > 240 {
            r.frames.remove(0);
        }
    });
    let _ = canvas.set_attribute("data-drawn", &drawn.to_string());
    if on_map.get_untracked() != total {
        on_map.set(total);
    }
    // where the sky is on the canvas, in CSS pixels, for tests and harnesses
    let placement = format!(
        r#"{{"projection":"{}","ra0":{},"dec0":{},"scale":{},"cx":{},"cy":{}}}"#,
        sky.projection.key(),
        sky.ra0,
        sky.dec0,
        screen.scale / dpr,
        screen.cx / dpr,
        screen.cy / dpr
    );
    let _ = canvas.set_attribute("data-view", &placement);
    // memory held by the map's arrays and index, and the wasm heap, for the benchmark
    if let Some(store) = &store {
        let _ = canvas.set_attribute(
            "data-bytes",
            &(store.borrow().bytes_held()
                + render
                    .with_value(|r| r.buf.capacity() + (r.px.capacity() + r.py.capacity()) * 4))
            .to_string(),
        );
    }
    let heap = wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .ok()
        .and_then(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().ok())
        .map(|b| b.byte_length());
    if let Some(heap) = heap {
        let _ = canvas.set_attribute("data-wasm-memory", &heap.to_string());
    }
    let _ = canvas.set_attribute("data-frame-ms", &format!("{ms:.2}"));
    let count = render.with_value(|r| r.frame_count);
    let _ = canvas.set_attribute("data-frame-count", &count.to_string());
    let _ = canvas.set_attribute(
        "data-frame-parts",
        &parts.map(|p| format!("{p:.2}")).join(","),
    );
    let complete =
        matches!(state.positions.get_untracked(), PositionsView::Ready { .. }) && store.is_some();
    if complete {
        let _ = canvas.set_attribute("data-state", "complete");
        timing::mark_once("gzv:sky-complete");
    } else {
        let _ = canvas.set_attribute("data-state", "loading");
    }
    again
}

/// Graticule spacing (RA, Dec degrees) for a zoom, and the spacing of the points sampled
/// along every line: chords of a few pixels at most (the all-sky map spans 360° in well
/// under a thousand CSS pixels at zoom 1), so the all-sky map, whose lines are projected
/// again at every frame of a drag, has four times fewer points than a zoomed one.
fn grid_steps(zoom: f64) -> (f64, f64, f64) {
    if zoom > 6.0 {
        (5.0, 5.0, overlays::SAMPLE_DEG)
    } else if zoom > 2.5 {
        (15.0, 10.0, 1.0)
    } else {
        (30.0, 30.0, 2.0)
    }
}

/// Overlay lines in projection units.
#[derive(Debug, Default)]
struct OverlayLines {
    grid: Vec<Vec<(f64, f64)>>,
    labels: Vec<(f64, f64, String)>,
    galactic: Vec<Vec<(f64, f64)>>,
    ecliptic: Vec<Vec<(f64, f64)>>,
    outline: Vec<(f64, f64)>,
}

/// (`ra_step` names the sampling too: each has its own, see [`grid_steps`].)
fn overlay_lines(sky: &SkyView, ra_step: f64, dec_step: f64, sample: f64) -> OverlayLines {
    OverlayLines {
        grid: overlays::graticule(ra_step, dec_step, sample)
            .iter()
            .flat_map(|l| overlays::project_polyline(sky, l))
            .collect(),
        labels: overlays::graticule_labels(sky, ra_step, dec_step),
        galactic: overlays::project_polyline(sky, &overlays::galactic_plane(sample)),
        ecliptic: overlays::project_polyline(sky, &overlays::ecliptic(sample)),
        outline: overlays::boundary(sky.projection),
    }
}

/// Parts of the overlays: the outline and the grid's lines; their labels; the Galactic
/// plane and the ecliptic (dashed).
const OVERLAY_PARTS: u8 = 3;

/// The projection's outline, graticule with labels, Galactic plane and ecliptic: the first
/// `parts` of them (see [`OVERLAY_PARTS`]).
fn draw_overlays(
    ctx: &CanvasRenderingContext2d,
    v: &MapView,
    lines: &OverlayLines,
    screen: &Screen,
    dpr: f64,
    font_set: &mut Option<f64>,
    parts: u8,
) {
    let stroke = |lines: &[Vec<(f64, f64)>], colour: &str, width: f64, dash: bool| {
        ctx.set_stroke_style_str(colour);
        ctx.set_line_width(width * dpr);
        let pattern = js_sys::Array::new();
        if dash {
            pattern.push(&(6.0 * dpr).into());
            pattern.push(&(4.0 * dpr).into());
        }
        let _ = ctx.set_line_dash(&pattern);
        // one string per stroke, not a call across to the browser per vertex
        if let Ok(path) = web_sys::Path2d::new_with_path_string(&screen.path_data(lines)) {
            ctx.stroke_with_path(&path);
        }
    };
    if v.grid {
        stroke(&lines.grid, "rgba(150, 170, 210, 0.35)", 1.0, false);
    }
    if !lines.outline.is_empty() {
        let mut closed = lines.outline.clone();
        closed.push(lines.outline[0]);
        stroke(&[closed], "rgba(150, 170, 210, 0.7)", 1.0, false);
    }
    if parts >= 2 && v.grid {
        ctx.set_fill_style_str("rgba(200, 215, 240, 0.85)");
        if *font_set != Some(dpr) {
            ctx.set_font(&label_font(dpr));
            *font_set = Some(dpr);
        }
        for (x, y, text) in &lines.labels {
            let (px, py) = screen.to_px(*x, *y);
            let _ = ctx.fill_text(text, px + 3.0 * dpr, py - 3.0 * dpr);
        }
    }
    if parts >= 3 {
        if v.galactic {
            stroke(&lines.galactic, "rgba(255, 140, 90, 0.8)", 1.5, true);
        }
        if v.ecliptic {
            stroke(&lines.ecliptic, "rgba(120, 220, 140, 0.8)", 1.5, true);
        }
    }
}

/// Colour the map by one answer's vote fraction (`None`: plain); the engine cancels a
/// colouring under way.
pub fn colour_by(state: AppState, choice: Option<ColourBy>) {
    let store = state.sky.get_value();
    if let Some(s) = &store {
        s.borrow_mut().clear_values();
        state.sky_version.update(|v| *v += 1);
    }
    let question = match (&choice, &store) {
        (Some(c), Some(s)) => Some(s.borrow_mut().top_question(
            &c.campaign,
            &c.question,
            c.answers.iter().map(|a| a.0.clone()).collect(),
        )),
        _ => None,
    };
    super::client::colour_question(question);
    if choice.is_none() {
        state.colour.set(ColourView::Plain);
    }
    super::client::send(crate::engine::protocol::Request::Colour { choice });
}
