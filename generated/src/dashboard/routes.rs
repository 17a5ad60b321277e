//! The routes: reading a request (its language, where the dashboard is mounted, the access
//! token, the CSRF token), asking the store, and answering with a page, a redirect or a refusal.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, State as Shared};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};

use super::i18n::Lang;
use super::pages::{self, Ctx, Did, ListData};
use super::query::{self, BadInput, ListQuery};
use super::security::{self, AccessToken, COOKIE, Keys};
use crate::key::DeliveryKey;
use crate::store::{DeliveryStore, Filter, State, StoreError};

/// What every route shares.
#[derive(Debug)]
pub(super) struct Inner {
    pub(super) store: Arc<dyn DeliveryStore>,
    pub(super) token: Option<AccessToken>,
    pub(super) keys: Keys,
}

type App = Arc<Inner>;

/// A refusal with the page context to render it in (boxed: it is the rare path).
type Failure = Box<(Ctx, Refusal)>;

pub(super) fn router(inner: Inner) -> Router {
    Router::new()
        .route("/", get(list))
        .route("/delivery", get(detail))
        .route("/delivery/retry", acting(Action::Retry))
        .route("/delivery/replay", acting(Action::Replay))
        .route("/delivery/discard", acting(Action::Discard))
        .route("/retry", get(confirm_bulk_retry).post(bulk_retry))
        .with_state(Arc::new(inner))
}

/// The request as the pages need it.
struct Request {
    ctx: Ctx,
    pairs: Vec<(String, String)>,
}

/// Why a request is not served.
enum Refusal {
    Bad(BadInput),
    /// No token, or a wrong one.
    Token(u16),
    Store(StoreError),
    /// The operating system gave no randomness: no session or form can be trusted.
    NoKey,
    /// The token was right: set the cookie and come back without it in the address.
    Redirect {
        location: String,
        cookie: String,
    },
}

impl From<BadInput> for Refusal {
    fn from(bad: BadInput) -> Self {
        Refusal::Bad(bad)
    }
}

impl From<StoreError> for Refusal {
    fn from(error: StoreError) -> Self {
        Refusal::Store(error)
    }
}

/// Where the dashboard is mounted, ending with `/`: the part of the path a `nest` took off.
fn base(original: &Uri, uri: &Uri) -> String {
    let full = original.path();
    let prefix = full.strip_suffix(uri.path()).unwrap_or_else(|| full.trim_end_matches('/'));
    let prefix = if uri.path() == "/" { full.trim_end_matches('/') } else { prefix };
    format!("{prefix}/")
}

/// Reads the language, the base, the parameters (of the query, and of the form for a POST),
/// and checks access: the token's cookie, or `?token=` on a GET; for a POST, the CSRF token.
fn read(
    app: &Inner,
    method: &Method,
    original: &Uri,
    uri: &Uri,
    headers: &HeaderMap,
    form: &[u8],
) -> Result<Request, Failure> {
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let lang = Lang::from_accept_language(header_text(header::ACCEPT_LANGUAGE.as_str()));
    let base = base(original, uri);
    let home = match base.trim_end_matches('/') {
        "" => "/".to_owned(),
        prefix => prefix.to_owned(),
    };
    let ctx = Ctx { lang, base, home: home.clone(), csrf: app.keys.csrf_token() };
    let fail = |refusal| Box::new((ctx.clone(), refusal));
    if !app.keys.available() {
        return Err(fail(Refusal::NoKey));
    }
    let mut pairs = query::pairs(uri.query().unwrap_or_default()).map_err(|b| fail(b.into()))?;
    if let Some(token) = &app.token {
        let cookie = header_text(header::COOKIE.as_str()).and_then(|c| security::cookie(c, COOKIE));
        let has_session = cookie.is_some_and(|c| app.keys.session_ok(token, c));
        if !has_session {
            match query::value(&pairs, "token") {
                Some(given) if *method == Method::GET && app.keys.token_ok(token, given) => {
                    // Back to the same page without the token in the address bar or history.
                    let rest: Vec<String> = pairs
                        .iter()
                        .filter(|(n, _)| n != "token")
                        .map(|(n, v)| format!("{n}={}", query::encode(v)))
                        .collect();
                    let path = original.path();
                    let location = if rest.is_empty() {
                        path.to_owned()
                    } else {
                        format!("{path}?{}", rest.join("&"))
                    };
                    let cookie = format!(
                        "{COOKIE}={}; Path={home}; HttpOnly; SameSite=Strict",
                        app.keys.session_cookie(token)
                    );
                    return Err(fail(Refusal::Redirect { location, cookie }));
                }
                Some(_) => return Err(fail(Refusal::Token(403))),
                None => return Err(fail(Refusal::Token(401))),
            }
        }
    }
    if *method == Method::POST {
        // A form from another site is refused by the browser's own account first, then by the
        // token only this process's pages carry.
        let cross_site = header_text("sec-fetch-site")
            .is_some_and(|site| site == "cross-site" || site == "same-site");
        let foreign_origin =
            match (header_text(header::ORIGIN.as_str()), header_text(header::HOST.as_str())) {
                (Some(origin), Some(host)) => {
                    origin.split_once("://").map(|(_, authority)| authority) != Some(host)
                }
                _ => false,
            };
        let form_pairs = std::str::from_utf8(form)
            .map_err(|_| fail(BadInput::Encoding.into()))
            .and_then(|text| query::pairs(text).map_err(|b| fail(b.into())))?;
        let csrf_ok =
            query::value(&form_pairs, "csrf").is_some_and(|given| app.keys.csrf_ok(given));
        if cross_site || foreign_origin || !csrf_ok {
            return Err(fail(BadInput::Csrf.into()));
        }
        pairs = form_pairs;
    }
    Ok(Request { ctx, pairs })
}

fn respond(status: StatusCode, html: String) -> Response {
    let mut response = Response::new(Body::from(html));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    for (name, value) in security::HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

fn redirect(location: &str, cookie: Option<&str>) -> Response {
    let mut response = respond(StatusCode::SEE_OTHER, String::new());
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    if let Some(value) = cookie.and_then(|c| HeaderValue::from_str(c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn refuse(ctx: &Ctx, refusal: Refusal) -> Response {
    let lang = ctx.lang;
    let (status, message) = match refusal {
        Refusal::Redirect { location, cookie } => return redirect(&location, Some(&cookie)),
        Refusal::Bad(bad) => (bad.status(), bad.message(lang)),
        Refusal::Token(status) => (
            status,
            lang.pick(
                "이 화면은 접근 토큰이 있어야 열립니다. `steppay-webhooks dashboard`가 출력한 주소(…?token=…)로 여세요.",
                "This page opens with its access token: use the address `steppay-webhooks dashboard` printed (…?token=…).",
            )
            .to_owned(),
        ),
        Refusal::Store(error) => {
            // The error may name the database's host; the page names nothing, the log does.
            tracing::warn!(%error, "the dashboard's delivery store failed");
            (
                503,
                lang.pick(
                    "배달 저장소가 응답하지 않았습니다. 잠시 뒤 다시 시도하세요. 자세한 내용은 서비스의 로그에 있습니다.",
                    "The delivery store did not answer; try again shortly. The service's log has the details.",
                )
                .to_owned(),
            )
        }
        Refusal::NoKey => (
            503,
            lang.pick(
                "운영체제에서 난수를 얻지 못해 이 화면을 안전하게 열 수 없습니다.",
                "The operating system gave no randomness, so this page cannot be served safely.",
            )
            .to_owned(),
        ),
    };
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    respond(code, pages::error(ctx, status, &message))
}

/// Runs `page` on a read request; a refusal of either becomes its page.
async fn serve<F, Fut>(
    app: &App,
    method: Method,
    original: Uri,
    uri: Uri,
    headers: HeaderMap,
    form: Bytes,
    page: F,
) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Result<Response, Refusal>>,
{
    match read(app, &method, &original, &uri, &headers, &form) {
        Ok(request) => {
            let ctx = request.ctx.clone();
            match page(request).await {
                Ok(response) => response,
                Err(refusal) => refuse(&ctx, refusal),
            }
        }
        Err(failure) => refuse(&failure.0, failure.1),
    }
}

async fn list(
    Shared(app): Shared<App>,
    OriginalUri(original): OriginalUri,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    serve(&app, method, original, uri, headers, Bytes::new(), |request| async {
        let Request { ctx, pairs } = request;
        let query = ListQuery::from_pairs(&pairs)?;
        let filter = query.filter();
        let now = SystemTime::now();
        let store = &app.store;
        let counts = store.counts().await?;
        let per_hour = store.per_hour(super::chart::since(now)).await?;
        let rows = store.list(&filter, &query.page()).await?;
        let matching = if query.is_filtered() {
            store.count(&filter).await?
        } else {
            counts.by_state.values().sum()
        };
        let data = ListData {
            query: &query,
            counts: &counts,
            per_hour: &per_hour,
            now,
            rows: &rows,
            matching,
            did: Did::from_pairs(&pairs),
        };
        Ok(respond(StatusCode::OK, pages::list(&ctx, &data)))
    })
    .await
}

async fn detail(
    Shared(app): Shared<App>,
    OriginalUri(original): OriginalUri,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    serve(&app, method, original, uri, headers, Bytes::new(), |request| async {
        let Request { ctx, pairs } = request;
        let key = query::key(&pairs)?;
        let record = app.store.get(&key).await?;
        let record = record.ok_or_else(|| BadInput::UnknownKey(key.as_str().to_owned()))?;
        Ok(respond(StatusCode::OK, pages::detail(&ctx, &record, Did::from_pairs(&pairs))))
    })
    .await
}

/// An operator's action on one delivery.
#[derive(Debug, Clone, Copy)]
enum Action {
    Retry,
    Replay,
    Discard,
}

async fn act(
    app: App,
    action: Action,
    original: Uri,
    uri: Uri,
    headers: HeaderMap,
    form: Bytes,
) -> Response {
    serve(&app, Method::POST, original, uri, headers, form, |request| async {
        let Request { ctx, pairs } = request;
        let key = query::key(&pairs)?;
        let reason = match action {
            Action::Discard => Some(query::reason(&pairs)?),
            Action::Retry | Action::Replay => None,
        };
        // The key must exist: a form for a delivery cleaned up since is a 404, not "0 changed".
        if app.store.get(&key).await?.is_none() {
            return Err(BadInput::UnknownKey(key.as_str().to_owned()).into());
        }
        let filter = Filter::new().key(DeliveryKey::new(key.as_str()));
        let did = match (action, reason) {
            (Action::Retry, _) => Did::Retry(app.store.retry(&filter).await?),
            (Action::Replay, _) => Did::Replay(app.store.replay(&filter).await?),
            (Action::Discard, reason) => {
                let reason = reason.unwrap_or_default();
                Did::Discard(app.store.discard(&filter, &reason).await?)
            }
        };
        let back: Vec<String> = [("key", key.as_str().to_owned())]
            .into_iter()
            .chain(did.pairs())
            .map(|(n, v)| format!("{n}={}", query::encode(&v)))
            .collect();
        Ok(redirect(&format!("{}delivery?{}", ctx.base, back.join("&")), None))
    })
    .await
}

/// The route of one action: a `POST` with the form of the delivery's page.
fn acting(action: Action) -> MethodRouter<App> {
    post(
        move |Shared(app): Shared<App>,
              OriginalUri(original): OriginalUri,
              uri: Uri,
              headers: HeaderMap,
              form: Bytes| act(app, action, original, uri, headers, form),
    )
}

/// The filter of a bulk retry: what `retry` can touch (failed, dead, quarantined) of what the
/// list shows; `None` when the list's states leave none of those.
fn retryable(query: &ListQuery) -> Option<Filter> {
    let retryable = [State::Failed, State::Dead, State::Quarantined];
    let mut narrowed = query.clone();
    narrowed.states = if query.states.is_empty() {
        retryable.to_vec()
    } else {
        query.states.iter().copied().filter(|s| retryable.contains(s)).collect()
    };
    (!narrowed.states.is_empty()).then(|| narrowed.filter())
}

async fn confirm_bulk_retry(
    Shared(app): Shared<App>,
    OriginalUri(original): OriginalUri,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    serve(&app, method, original, uri, headers, Bytes::new(), |request| async {
        let Request { ctx, pairs } = request;
        let query = ListQuery::from_pairs(&pairs)?;
        let count = match retryable(&query) {
            Some(filter) => app.store.count(&filter).await?,
            None => 0,
        };
        Ok(respond(StatusCode::OK, pages::confirm_retry(&ctx, &query, count)))
    })
    .await
}

async fn bulk_retry(
    Shared(app): Shared<App>,
    OriginalUri(original): OriginalUri,
    uri: Uri,
    headers: HeaderMap,
    form: Bytes,
) -> Response {
    serve(&app, Method::POST, original, uri, headers, form, |request| async {
        let Request { ctx, pairs } = request;
        let query = ListQuery::from_pairs(&pairs)?;
        let retried = match retryable(&query) {
            Some(filter) => app.store.retry(&filter).await?,
            None => 0,
        };
        let location = format!("{}?{}", ctx.home, query.query_string(&Did::Retry(retried).pairs()));
        Ok(redirect(&location, None))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_is_where_the_router_is_nested() {
        let uri = |text: &str| text.parse::<Uri>().expect("a URI");
        assert_eq!(base(&uri("/"), &uri("/")), "/");
        assert_eq!(base(&uri("/delivery?key=a"), &uri("/delivery?key=a")), "/");
        assert_eq!(base(&uri("/ops/delivery"), &uri("/delivery")), "/ops/");
        assert_eq!(base(&uri("/ops"), &uri("/")), "/ops/");
        assert_eq!(base(&uri("/ops/"), &uri("/")), "/ops/");
    }
}
