//! The HTML pages: server-rendered with askama (escaped by default), htmx
//! for what updates in place. Pages show what the service layer returned;
//! they decide nothing.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::assets;
use crate::auth::Principal;
use crate::service::{
    self, ActionView, DecisionRequest, IncidentBoard, IncidentSummary, ProposeRequest, ServiceError, TimelineQuery,
};

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage<'a> {
    asset_version: &'a str,
    username: Option<&'a str>,
    csrf: Option<&'a str>,
    message: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage<'a> {
    asset_version: &'a str,
    username: Option<&'a str>,
    csrf: Option<&'a str>,
    incidents: Vec<IncidentSummary>,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage<'a> {
    asset_version: &'a str,
    username: Option<&'a str>,
    csrf: Option<&'a str>,
    b: IncidentBoard,
    process_state: &'a str,
    control: &'a str,
    view: &'a str,
    /// Proposed actions waiting for a decision.
    pending: Vec<ActionView>,
    /// The others (decided, executed...), the latest unless `all`.
    decided: Vec<ActionView>,
    /// How many actions are decided in all.
    decided_total: usize,
    /// Whether the whole timeline and every decided action are shown (`?all=1`).
    all: bool,
    /// The timeline's filter as the form holds it, and as a query string
    /// (`kind=note&domain=ot`, empty when none) for links and live refreshes.
    filter: TimelineQuery,
    filter_query: String,
    /// The choices of the filter form: event kinds, domains, people (id, name).
    kinds: &'static [incident::Kind],
    domains: &'static [&'static str],
    people: Vec<(String, String)>,
    /// The steps of an action after its proposal, for the step form.
    steps: [service::Step; 7],
    /// Evidence, hypotheses and the recovery board (`panels.html`).
    panels: crate::panels::Panels,
    /// Whether actions can be proposed here (the server has the site model).
    actions_enabled: bool,
    /// A refusal or error of the form just sent.
    message: Option<&'a str>,
    /// What the propose form held when it was refused.
    draft: Draft,
}

#[derive(Debug, Default, Clone)]
struct Draft {
    action: String,
    rationale: String,
}

impl BoardPage<'_> {
    /// "in 14 min", "overdue by 3 min".
    fn countdown(&self, secs: &i64) -> String {
        let mins = secs.unsigned_abs().div_ceil(60);
        if *secs >= 0 { format!("in {mins} min") } else { format!("overdue by {mins} min") }
    }
}

#[derive(Template)]
#[template(
    source = "{% extends \"base.html\" %}{% block title %}{{ heading }} · Interlock{% endblock %}{% block content %}<h1>{{ heading }}</h1><p>{{ message }}</p><p><a href=\"/\">Incidents</a></p>{% endblock %}",
    ext = "html"
)]
struct ErrorPage<'a> {
    asset_version: &'a str,
    username: Option<&'a str>,
    csrf: Option<&'a str>,
    heading: &'a str,
    message: &'a str,
}

fn render(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("the page could not be rendered: {e}\n")).into_response(),
    }
}

pub fn page_error(status: StatusCode, heading: &str, message: &str) -> Response {
    let page = ErrorPage { asset_version: assets::version(), username: None, csrf: None, heading, message };
    render(status, &page)
}

pub fn not_found(message: &str) -> Response {
    page_error(StatusCode::NOT_FOUND, "Not found", message)
}

pub fn failure(message: &str) -> Response {
    page_error(StatusCode::INTERNAL_SERVER_ERROR, "Something failed", message)
}

pub fn signin(message: Option<&str>, status: StatusCode) -> Response {
    render(status, &SigninPage { asset_version: assets::version(), username: None, csrf: None, message })
}

fn service_error(e: ServiceError) -> Response {
    match &e {
        ServiceError::Forbidden(m) => page_error(StatusCode::FORBIDDEN, "Not allowed", m),
        ServiceError::NotFound(_) => not_found(&e.to_string()),
        _ => page_error(crate::api::status_of(&e), "Something failed", &e.to_string()),
    }
}

pub async fn list(State(state): State<AppState>, axum::Extension(p): axum::Extension<Principal>) -> Response {
    match service::list_incidents(&state, &p).await {
        Ok(incidents) => render(
            StatusCode::OK,
            &ListPage { asset_version: assets::version(), username: Some(&p.user.username), csrf: p.csrf(), incidents },
        ),
        Err(e) => service_error(e),
    }
}

/// `?all=1`: the whole timeline and every decided action, not only the latest;
/// `kind`, `domain`, `person`, `since`, `until`: the timeline's filter.
#[derive(Debug, Default, Deserialize)]
pub struct BoardQuery {
    #[serde(default)]
    all: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    person: Option<String>,
    #[serde(default)]
    since: Option<String>,
    #[serde(default)]
    until: Option<String>,
}

pub async fn board(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<BoardQuery>,
) -> Response {
    let all = q.all.as_deref().is_some_and(|v| v != "0" && !v.is_empty());
    let filter = TimelineQuery { kind: q.kind, domain: q.domain, person: q.person, since: q.since, until: q.until };
    board_page(&state, &p, &id, StatusCode::OK, None, Draft::default(), all, filter).await
}

/// The filter's query string: its non-empty parameters, encoded.
fn filter_query(q: &TimelineQuery) -> String {
    [("kind", &q.kind), ("domain", &q.domain), ("person", &q.person), ("since", &q.since), ("until", &q.until)]
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| format!("{k}={}", urlencode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[allow(clippy::too_many_arguments)]
async fn board_page(
    state: &AppState,
    p: &Principal,
    id: &str,
    status: StatusCode,
    message: Option<&str>,
    draft: Draft,
    all: bool,
    filter: TimelineQuery,
) -> Response {
    let window = if all { service::BoardWindow::ALL } else { service::BoardWindow::DEFAULT };
    let parsed = match filter.filter() {
        Ok(f) => f,
        Err(e) => return page_error(StatusCode::UNPROCESSABLE_ENTITY, "Bad filter", &e.to_string()),
    };
    let (b, actions, decided_total, panels) = match service::board_with_actions(state, p, id, window, &parsed).await {
        Ok(x) => x,
        Err(e) => return service_error(e),
    };
    let people = state
        .site
        .as_deref()
        .map(|s| s.people.iter().map(|p| (p.id.to_string(), p.name.to_string())).collect())
        .unwrap_or_default();
    let s = b.status.situation.clone();
    let word = |v: &Option<String>| v.clone().unwrap_or_else(|| "not assessed".into());
    let (process_state, control, view) = (word(&s.process_state), word(&s.control), word(&s.view));
    let (pending, decided): (Vec<ActionView>, Vec<ActionView>) =
        actions.into_iter().partition(|a| a.status == "pending");
    render(
        status,
        &BoardPage {
            asset_version: assets::version(),
            username: Some(&p.user.username),
            csrf: p.csrf(),
            b,
            process_state: &process_state,
            control: &control,
            view: &view,
            pending,
            decided,
            decided_total,
            all,
            filter_query: filter_query(&filter),
            filter,
            kinds: incident::Kind::ALL,
            domains: site_model::Domain::WORDS,
            people,
            steps: service::Step::ALL,
            panels,
            actions_enabled: state.site.is_some(),
            message,
            draft,
        },
    )
}

/// After a form: back to the board (303), or the board again with the refusal.
async fn after_form(
    state: &AppState,
    p: &Principal,
    id: &str,
    r: Result<ActionView, ServiceError>,
    draft: Draft,
) -> Response {
    match r {
        Ok(a) => Redirect::to(&format!("/incidents/{}#action-{}", urlencode(id), a.seq)).into_response(),
        Err(e) => refused(state, p, id, e, draft).await,
    }
}

/// A board form refused: the not-found page, or the board again with the reason.
async fn refused(state: &AppState, p: &Principal, id: &str, e: ServiceError, draft: Draft) -> Response {
    match e {
        ServiceError::NotFound(m) => not_found(&format!("no incident {m}")),
        e => {
            let msg = format!("Refused, nothing was recorded: {e}");
            board_page(state, p, id, crate::api::status_of(&e), Some(&msg), draft, false, TimelineQuery::default())
                .await
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The board's record form: a note, an observation or a hypothesis.
#[derive(Debug, Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    entry: String,
    #[serde(default)]
    text: String,
    /// Asset ids, separated by commas or spaces (an observation's).
    #[serde(default)]
    assets: String,
    /// it, ot, shared, or "" (a note's or an observation's).
    #[serde(default)]
    domain: String,
}

/// Records a note, an observation or a hypothesis from the board: the same
/// entries as `POST /api/incidents/{id}/entries`, under the same rules.
pub async fn record(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<RecordForm>,
) -> Response {
    use crate::entries::Entry;
    let domain = Some(f.domain.trim().to_string()).filter(|d| !d.is_empty());
    let entry = match f.entry.as_str() {
        "note" => Entry::Note { text: f.text, domain },
        "observation" => Entry::Observation {
            text: f.text,
            observed_at: None,
            domain,
            assets: f
                .assets
                .split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(String::from)
                .collect(),
        },
        "hypothesis" => Entry::Hypothesis { statement: f.text, evidence_for: Vec::new(), evidence_against: Vec::new() },
        other => {
            let e = ServiceError::Invalid(format!("entry: \"{other}\" is not one of note, observation, hypothesis"));
            return refused(&state, &p, &id, e, Draft::default()).await;
        }
    };
    match crate::entries::record(&state, &p, &id, entry).await {
        Ok(r) => {
            let seq = r.events.first().map_or(0, |e| e.seq);
            Redirect::to(&format!("/incidents/{}#event-{seq}", urlencode(&id))).into_response()
        }
        Err(e) => refused(&state, &p, &id, e, Draft::default()).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct ProposeForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    rationale: String,
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    rationale: String,
}

/// The propose form of the board.
pub async fn propose(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<ProposeForm>,
) -> Response {
    let req = ProposeRequest { action: f.action.clone(), rationale: f.rationale.clone(), evidence: Vec::new() };
    let r = service::propose(&state, &p, &id, &req).await;
    after_form(&state, &p, &id, r, Draft { action: f.action, rationale: f.rationale }).await
}

async fn decide(state: AppState, p: Principal, id: String, seq: String, approve: bool, f: DecisionForm) -> Response {
    let Some(seq) = seq.parse::<u64>().ok().filter(|n| *n > 0) else {
        return page_error(StatusCode::BAD_REQUEST, "Bad request", "not an action number");
    };
    let r = service::decide(&state, &p, &id, seq, approve, &DecisionRequest { rationale: f.rationale }).await;
    after_form(&state, &p, &id, r, Draft::default()).await
}

#[derive(Debug, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    result: Option<String>,
    /// A number input sends "" when left empty.
    #[serde(default)]
    measure: Option<String>,
}

/// The step form of an action (escalate, override, confirm a measure, execute, verify, roll back, withdraw).
pub async fn step(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path((id, seq)): Path<(String, String)>,
    axum::Form(f): axum::Form<StepForm>,
) -> Response {
    let Some(seq) = seq.parse::<u64>().ok().filter(|n| *n > 0) else {
        return page_error(StatusCode::BAD_REQUEST, "Bad request", "not an action number");
    };
    let Some(step) = service::Step::parse(f.step.trim()) else {
        let words: Vec<&str> = service::Step::ALL.iter().map(|s| s.as_str()).collect();
        return page_error(
            StatusCode::BAD_REQUEST,
            "Bad request",
            &format!("step: expected one of {}", words.join(", ")),
        );
    };
    let measure = match f.measure.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => None,
        Some(m) => match m.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => return page_error(StatusCode::BAD_REQUEST, "Bad request", "measure: a number from 1"),
        },
    };
    let req = service::StepRequest { note: f.note, outcome: f.outcome, result: f.result, measure };
    let r = service::step(&state, &p, &id, seq, step, &req).await;
    after_form(&state, &p, &id, r, Draft::default()).await
}

#[derive(Template)]
#[template(
    source = "{% extends \"base.html\" %}{% block title %}#{{ seq }} impact · {{ id }} · Interlock{% endblock %}{% block content %}<p><a href=\"/incidents/{{ id|urlencode }}#action-{{ seq }}\">Back to {{ id }}</a></p><h1>Impact of #{{ seq }}: <span class=\"mono\">{{ action }}</span></h1>{% if stale %}<p class=\"error\">This action was assessed against another version of the site model; the picture is drawn against the one loaded now.</p>{% endif %}<p class=\"muted\">Hover over an asset for what it loses and why.</p><div class=\"picture\">{{ svg|safe }}</div>{% endblock %}",
    ext = "html"
)]
struct PicturePage<'a> {
    asset_version: &'a str,
    username: Option<&'a str>,
    csrf: Option<&'a str>,
    id: &'a str,
    seq: u64,
    action: &'a str,
    stale: bool,
    /// The picture, built by `picture::impact_svg`, which escapes every text it draws.
    svg: &'a str,
}

#[derive(Debug, Default, Deserialize)]
pub struct PictureQuery {
    #[serde(default)]
    fragment: Option<String>,
}

/// The impact picture of an action: a page, or (`?fragment=1`) the SVG alone for the board to show in place.
pub async fn picture(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path((id, seq)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<PictureQuery>,
) -> Response {
    let Some(seq) = seq.parse::<u64>().ok().filter(|n| *n > 0) else {
        return page_error(StatusCode::BAD_REQUEST, "Bad request", "not an action number");
    };
    let pic = match service::action_picture(&state, &p, &id, seq).await {
        Ok(pic) => pic,
        Err(e) => return service_error(e),
    };
    if q.fragment.as_deref().is_some_and(|v| !v.is_empty() && v != "0") {
        return Html(pic.svg).into_response();
    }
    render(
        StatusCode::OK,
        &PicturePage {
            asset_version: assets::version(),
            username: Some(&p.user.username),
            csrf: p.csrf(),
            id: &id,
            seq,
            action: &pic.action,
            stale: pic.stale,
            svg: &pic.svg,
        },
    )
}

#[derive(Template)]
#[template(path = "contain.html")]
struct ContainPage<'a> {
    asset_version: &'a str,
    username: Option<&'a str>,
    csrf: Option<&'a str>,
    id: &'a str,
    q: service::ContainQuery,
    /// The planner's answer once something compromised is given.
    result: Option<service::ContainView>,
    /// Why the question was refused.
    message: Option<String>,
}

/// The containment planner's page: what the attacker holds and what must stay
/// protected, then the plans side by side, each action with a propose form.
pub async fn contain(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<service::ContainQuery>,
) -> Response {
    let asked = q.compromised.as_deref().is_some_and(|c| !c.trim().is_empty());
    let (result, message, status) = if asked {
        match service::contain(&state, &p, &id, &q).await {
            Ok(v) => (Some(v), None, StatusCode::OK),
            Err(e @ ServiceError::Invalid(_)) => (None, Some(e.to_string()), StatusCode::UNPROCESSABLE_ENTITY),
            Err(e) => return service_error(e),
        }
    } else {
        // Nothing asked yet: the incident must still be one the user may read.
        if let Err(e) = service::incident_board(&state, &p, &id, &Default::default()).await {
            return service_error(e);
        }
        (None, None, StatusCode::OK)
    };
    render(
        status,
        &ContainPage {
            asset_version: assets::version(),
            username: Some(&p.user.username),
            csrf: p.csrf(),
            id: &id,
            q,
            result,
            message,
        },
    )
}

#[derive(Template)]
#[template(path = "updates.html")]
struct UpdatesPage<'a> {
    asset_version: &'a str,
    username: Option<&'a str>,
    csrf: Option<&'a str>,
    id: &'a str,
    audience: &'a str,
    audiences: [&'static str; 3],
    channel: &'a str,
    text: &'a str,
    flags: Vec<service::FlagView>,
    message: Option<&'a str>,
    /// The notification channels publishing sends this audience's update to.
    sends_to: Vec<String>,
    /// Whether the server has a notification config at all.
    notifying: bool,
    /// The incident's deliveries so far, latest first.
    deliveries: Vec<crate::notifications::DeliveryView>,
}

impl UpdatesPage<'_> {
    /// The channels and the delivery log for `audience` of incident `id`, as `p` may read them.
    async fn outbound(
        state: &AppState,
        p: &Principal,
        id: &str,
        audience: &str,
    ) -> (Vec<String>, bool, Vec<crate::notifications::DeliveryView>) {
        let sends_to = state
            .notify
            .as_deref()
            .map(|n| {
                n.config
                    .channels_for(Some(audience), notify::EventKind::UpdatePublished)
                    .iter()
                    .map(|c| c.id.clone())
                    .collect()
            })
            .unwrap_or_default();
        let mut deliveries = service::notifications(state, p, id).await.unwrap_or_default();
        deliveries.reverse();
        (sends_to, state.notify.is_some(), deliveries)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ComposerQuery {
    #[serde(default)]
    audience: Option<String>,
}

/// The update composer: the draft for an audience, to review, edit and publish.
pub async fn composer(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ComposerQuery>,
) -> Response {
    let audience = q.audience.unwrap_or_else(|| "operations".into());
    let d = match service::update_draft(&state, &p, &id, &audience).await {
        Ok(d) => d,
        Err(e) => return service_error(e),
    };
    let (sends_to, notifying, deliveries) = UpdatesPage::outbound(&state, &p, &id, &d.audience).await;
    render(
        StatusCode::OK,
        &UpdatesPage {
            asset_version: assets::version(),
            username: Some(&p.user.username),
            csrf: p.csrf(),
            id: &id,
            audience: &d.audience,
            audiences: incident::cadence::AUDIENCES,
            channel: "",
            text: &d.text,
            flags: d.flagged_terms,
            message: None,
            sends_to,
            notifying,
            deliveries,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    audience: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    accept_definitions: Option<String>,
}

/// Publishes the composer's text; a refusal shows the composer again with the text kept.
pub async fn publish(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<PublishForm>,
) -> Response {
    let req = service::PublishRequest {
        audience: f.audience.clone(),
        channel: f.channel.clone(),
        text: f.text.clone(),
        accept_definitions: f.accept_definitions.as_deref().is_some_and(|v| !v.is_empty() && v != "0"),
    };
    match service::publish_update(&state, &p, &id, &req).await {
        Ok(_) => Redirect::to(&format!("/incidents/{}#timeline", urlencode(&id))).into_response(),
        Err(ServiceError::NotFound(m)) => not_found(&format!("no incident {m}")),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Forbidden(_) | ServiceError::Conflict(_))) => {
            let flags = state
                .site
                .as_deref()
                .map(|site| {
                    comms::ambiguous_terms(site, &f.text)
                        .into_iter()
                        .map(|x| service::FlagView {
                            term: x.term,
                            canonical: x.canonical,
                            it_reading: x.it_reading,
                            ot_reading: x.ot_reading,
                        })
                        .collect()
                })
                .unwrap_or_default();
            let msg = format!("Refused, nothing was published: {e}");
            let audience = comms::Audience::parse(f.audience.trim()).map_or("operations", |a| a.as_str());
            let (sends_to, notifying, deliveries) = UpdatesPage::outbound(&state, &p, &id, audience).await;
            render(
                crate::api::status_of(&e),
                &UpdatesPage {
                    asset_version: assets::version(),
                    username: Some(&p.user.username),
                    csrf: p.csrf(),
                    id: &id,
                    audience,
                    audiences: incident::cadence::AUDIENCES,
                    channel: &f.channel,
                    text: &f.text,
                    flags,
                    message: Some(&msg),
                    sends_to,
                    notifying,
                    deliveries,
                },
            )
        }
        Err(e) => service_error(e),
    }
}

#[derive(Template)]
#[template(path = "vendors.html")]
struct VendorsPage<'a> {
    asset_version: &'a str,
    username: Option<&'a str>,
    csrf: Option<&'a str>,
    id: &'a str,
    access: service::VendorAccess,
}

/// Vendor access: the grants, those in force first, each with its kill switch.
pub async fn vendors(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    match service::vendor_access(&state, &p, &id).await {
        Ok(access) => render(
            StatusCode::OK,
            &VendorsPage {
                asset_version: assets::version(),
                username: Some(&p.user.username),
                csrf: p.csrf(),
                id: &id,
                access,
            },
        ),
        Err(e) => service_error(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    person: String,
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Deserialize)]
pub struct VisibilityForm {
    #[serde(default)]
    private: String,
    #[serde(default)]
    reason: String,
}

/// After a membership or visibility form: the board again, or the board with the refusal.
async fn after_incident_form<T>(state: &AppState, p: &Principal, id: &str, r: Result<T, ServiceError>) -> Response {
    match r {
        Ok(_) => Redirect::to(&format!("/incidents/{}#members", urlencode(id))).into_response(),
        Err(ServiceError::NotFound(m)) => not_found(&format!("no incident {m}")),
        Err(e) => {
            let msg = format!("Refused, nothing was recorded: {e}");
            board_page(
                state,
                p,
                id,
                crate::api::status_of(&e),
                Some(&msg),
                Draft::default(),
                false,
                TimelineQuery::default(),
            )
            .await
        }
    }
}

pub async fn add_member(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<MemberForm>,
) -> Response {
    let r = service::membership(&state, &p, &id, true, &service::MemberRequest { person: f.person, reason: f.reason })
        .await;
    after_incident_form(&state, &p, &id, r).await
}

pub async fn remove_member(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<MemberForm>,
) -> Response {
    let r = service::membership(&state, &p, &id, false, &service::MemberRequest { person: f.person, reason: f.reason })
        .await;
    after_incident_form(&state, &p, &id, r).await
}

pub async fn set_visibility(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<VisibilityForm>,
) -> Response {
    let private = match f.private.trim() {
        "true" | "1" | "on" => true,
        "false" | "0" => false,
        _ => return page_error(StatusCode::BAD_REQUEST, "Bad request", "private: true or false"),
    };
    let r = service::set_visibility(&state, &p, &id, &service::VisibilityRequest { private, reason: f.reason }).await;
    after_incident_form(&state, &p, &id, r).await
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage<'a> {
    asset_version: &'a str,
    username: Option<&'a str>,
    csrf: Option<&'a str>,
    users: Vec<(service::UserView, Vec<service::TokenView>)>,
    message: Option<String>,
    /// A secret just made (a generated password, an API token): shown this once.
    issued: Option<Issued>,
    /// The people of the site model, for the add-user form.
    people: Vec<(String, String)>,
}

/// A secret shown once on the users page.
struct Issued {
    what: String,
    secret: String,
}

async fn users_page(state: &AppState, p: &Principal, status: StatusCode, message: Option<String>) -> Response {
    users_page_with(state, p, status, message, None).await
}

async fn users_page_with(
    state: &AppState,
    p: &Principal,
    status: StatusCode,
    message: Option<String>,
    issued: Option<Issued>,
) -> Response {
    let users = match service::users(state, p).await {
        Ok(users) => users,
        Err(e) => return service_error(e),
    };
    let mut rows = Vec::with_capacity(users.len());
    for u in users {
        match service::tokens(state, p, &u.username).await {
            Ok(t) => rows.push((u, t)),
            Err(e) => return service_error(e),
        }
    }
    render(
        status,
        &UsersPage {
            asset_version: assets::version(),
            username: Some(&p.user.username),
            csrf: p.csrf(),
            users: rows,
            message,
            issued,
            people: state
                .site
                .as_deref()
                .map(|site| site.people.iter().map(|x| (x.id.to_string(), x.name.to_string())).collect())
                .unwrap_or_default(),
        },
    )
}

/// The users (administrators only), with a disable or enable form each.
pub async fn users(State(state): State<AppState>, axum::Extension(p): axum::Extension<Principal>) -> Response {
    users_page(&state, &p, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    disabled: String,
    #[serde(default)]
    reason: String,
}

pub async fn change_user(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(username): Path<String>,
    axum::Form(f): axum::Form<UserForm>,
) -> Response {
    let disabled = f.disabled.trim() == "true";
    let r =
        service::set_user_disabled(&state, &p, &username, disabled, &service::UserChange { reason: f.reason }).await;
    after_user_form(&state, &p, r).await
}

/// After a form of the users page: back to the page, or the page again with the reason.
async fn after_user_form<T>(state: &AppState, p: &Principal, r: Result<T, ServiceError>) -> Response {
    match r {
        Ok(_) => Redirect::to("/admin/users").into_response(),
        Err(e @ ServiceError::Forbidden(_)) => service_error(e),
        Err(e) => {
            let status = crate::api::status_of(&e);
            users_page(state, p, status, Some(format!("Refused, nothing changed: {e}"))).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct AddUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    admin: String,
}

/// Adds a user from the users page: the password is generated and shown
/// on the page this once (never in a URL, never stored).
pub async fn add_user(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    axum::Form(f): axum::Form<AddUserForm>,
) -> Response {
    let req = service::NewUserRequest {
        username: f.username,
        person: f.person,
        admin: f.admin.trim() == "true",
        password: None,
    };
    match service::add_user(&state, &p, &req).await {
        Ok(added) => {
            let issued = added.password.map(|secret| Issued {
                what: format!("The password of {} (shown once: hand it over now)", added.user.username),
                secret,
            });
            users_page_with(&state, &p, StatusCode::CREATED, None, issued).await
        }
        Err(e) => after_user_form::<()>(&state, &p, Err(e)).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

/// Issues an API token from the users page, shown this once.
pub async fn issue_token(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(username): Path<String>,
    axum::Form(f): axum::Form<TokenForm>,
) -> Response {
    match service::issue_token(&state, &p, &username, &service::NewTokenRequest { name: f.name }).await {
        Ok(t) => {
            let issued = Issued {
                what: format!("API token {} of {username} (shown once: send it as Authorization: Bearer)", t.name),
                secret: t.token,
            };
            users_page_with(&state, &p, StatusCode::CREATED, None, Some(issued)).await
        }
        Err(e) => after_user_form::<()>(&state, &p, Err(e)).await,
    }
}

/// Revokes one API token from the users page.
pub async fn revoke_token(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path((username, name)): Path<(String, String)>,
) -> Response {
    let r = service::revoke_token(&state, &p, &username, &name).await;
    after_user_form(&state, &p, r).await
}

/// Ends every session of a user from the users page.
pub async fn end_sessions(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(username): Path<String>,
) -> Response {
    let r = service::end_sessions(&state, &p, &username).await;
    after_user_form(&state, &p, r).await
}

/// The approve form of a waiting decision.
pub async fn approve(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path((id, seq)): Path<(String, String)>,
    axum::Form(f): axum::Form<DecisionForm>,
) -> Response {
    decide(state, p, id, seq, true, f).await
}

/// The reject form of a waiting decision.
pub async fn reject(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path((id, seq)): Path<(String, String)>,
    axum::Form(f): axum::Form<DecisionForm>,
) -> Response {
    decide(state, p, id, seq, false, f).await
}
