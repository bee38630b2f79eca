//! Assets embedded in the binary: OT sites are air-gapped, nothing comes from
//! a CDN. htmx 2.0.11 (0BSD licence, from the npm package htmx.org; see
//! assets/README.md), the stylesheet and the live board's script.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

pub const HTMX: &[u8] = include_bytes!("../assets/htmx.min.js");
pub const CSS: &[u8] = include_bytes!("../assets/interlock.css");
/// The live board: Server-Sent Events, refreshing the board, countdowns (own code).
pub const BOARD_JS: &[u8] = include_bytes!("../assets/board.js");

/// A short hash of every asset, put in the URLs pages use (`?v=`), so the
/// year-long cache never serves an old version after an upgrade.
pub fn version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        let mut h = Sha256::new();
        h.update(HTMX);
        h.update(CSS);
        h.update(BOARD_JS);
        h.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect()
    })
}

pub async fn serve(Path(name): Path<String>) -> Response {
    let (bytes, mime) = match name.as_str() {
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "interlock.css" => (CSS, "text/css; charset=utf-8"),
        "board.js" => (BOARD_JS, "text/javascript; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "no such asset\n").into_response(),
    };
    ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], bytes)
        .into_response()
}
