//! The OpenAPI description at /api/openapi.json: it is OpenAPI 3, public,
//! describes exactly the paths and methods the router serves, and real
//! answers match the schemas it gives for them.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::{json, Value};

use super::uploads::{hazard_with_photos, jpeg};
use super::*;

const OPENAPI_PATH: &str = "/api/openapi.json";
const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

pub(crate) async fn document(app: &TestApp) -> Value {
    // No token: the description is public.
    let res = Client::new().get(app.url(OPENAPI_PATH)).send().await.expect("GET");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/json");
    res.json().await.expect("JSON")
}

/// The documented methods of each documented path.
fn operations(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let methods = METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| (*m).to_owned())
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

#[tokio::test]
async fn the_description_is_openapi_3_and_names_every_path_the_router_serves() {
    let (app, _dirs) = spawn_app().await;
    let doc = document(&app).await;
    // It reads as an OpenAPI document, not only as JSON.
    let parsed: utoipa::openapi::OpenApi = serde_json::from_value(doc.clone()).expect("an OpenAPI document");
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(parsed.paths.paths.len(), doc["paths"].as_object().expect("paths").len());

    let documented: BTreeSet<String> = operations(&doc).into_keys().collect();
    let routed: BTreeSet<String> = kuaibao_server::http::api_paths()
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(documented, routed, "documented paths vs the router's");
    for path in [
        "/api/health",
        "/api/ready",
        "/api/metrics",
        "/api/session",
        "/api/reports",
        "/api/reports/{id}",
        "/api/reports/{id}/photos",
        "/api/threads/{id}",
        "/api/templates",
        "/api/photos/{sha256}",
        "/api/uploads",
        "/api/uploads/{id}",
        "/api/openapi.json",
    ] {
        assert!(documented.contains(path), "{path} is described");
    }

    // The bearer scheme, named by every operation that needs a session.
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let public = [
        ("/api/health", "get"),
        ("/api/ready", "get"),
        ("/api/session", "post"),
        ("/api/templates", "get"),
        ("/api/openapi.json", "get"),
        ("/api/uploads", "options"),
        ("/api/uploads/{id}", "options"),
    ];
    for (path, methods) in operations(&doc) {
        for method in methods {
            let op = &doc["paths"][&path][&method];
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            assert_eq!(
                secured,
                !public.contains(&(path.as_str(), method.as_str())),
                "{method} {path}: security {}",
                op["security"]
            );
            if secured {
                for status in ["401", "429"] {
                    assert!(
                        op["responses"][status].is_object(),
                        "{method} {path} documents {status}"
                    );
                }
            }
            // Every documented refusal carries the API's error shape, and
            // every answer says what it means.
            for (status, response) in op["responses"].as_object().expect("responses") {
                let description = response["description"].as_str().unwrap_or_default();
                assert!(!description.is_empty(), "{method} {path} {status} has a description");
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/ApiError", "{method} {path} {status}");
                }
            }
        }
    }
}

/// A concrete path for a documented one.
fn concrete(path: &str) -> String {
    path.replace("{id}", &new_id().to_string())
        .replace("{sha256}", &"0".repeat(64))
}

#[tokio::test]
async fn documented_methods_are_served_and_others_are_405() {
    let (app, _dirs) = spawn_app().await;
    let doc = document(&app).await;
    // A session of its own: one of the probes is `DELETE /api/session`.
    let client = login(&app.base, REPORTER).await;
    for (path, methods) in operations(&doc) {
        for method in METHODS {
            // HEAD is served wherever GET is (HTTP's rule, and axum's).
            if method == "head" && methods.contains("get") {
                continue;
            }
            let url = app.url(&concrete(&path));
            let res = client
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).expect("method"),
                    url,
                )
                .header("Tus-Resumable", "1.0.0")
                .send()
                .await
                .expect("request");
            let status = res.status();
            let allow = res
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = res.text().await.unwrap_or_default();
            if methods.contains(method) {
                assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is served");
                assert!(!body.contains("no such API endpoint"), "{method} {path}: {body}");
            } else {
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is not: {body}");
                // `Allow` names exactly the documented methods (and HEAD
                // with GET).
                let mut expected: BTreeSet<String> = methods.iter().map(|m| m.to_uppercase()).collect();
                if methods.contains("get") {
                    expected.insert("HEAD".to_owned());
                }
                let allow: BTreeSet<String> = allow
                    .unwrap_or_else(|| panic!("{method} {path}: 405 without Allow"))
                    .split(',')
                    .map(|m| m.trim().to_owned())
                    .collect();
                assert_eq!(allow, expected, "{method} {path}");
            }
        }
    }
}

/// `doc`'s schemas with `additionalProperties: false` on every object that
/// lists its properties, so an answer with a field the description lacks
/// fails too.
fn strict(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            map.values_mut().for_each(strict);
        }
        Value::Array(items) => items.iter_mut().for_each(strict),
        _ => {}
    }
}

/// Checks `instance` against `schema` (a JSON Schema with references into
/// `doc`'s components), strictly (see [`strict`]) and with formats.
fn check(doc: &Value, schema: &Value, instance: &Value, what: &str) {
    let mut root = schema.clone();
    if let Some(map) = root.as_object_mut() {
        map.insert(
            "$schema".to_owned(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        map.insert("components".to_owned(), doc["components"].clone());
    }
    strict(&mut root);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("{what}: the schema does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match its schema:\n{}\n{instance:#}",
        errors.join("\n")
    );
}

/// The schema documented for `status` of `method path`.
fn response_schema<'a>(doc: &'a Value, method: &str, path: &str, status: u16) -> &'a Value {
    let schema = &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path} documents a JSON {status}");
    schema
}

/// Sends `request` and checks its answer against the documented schema of
/// its status.
pub(crate) async fn conforms(doc: &Value, method: &str, path: &str, request: reqwest::RequestBuilder) -> Value {
    let res = request.send().await.expect("request");
    let status = res.status().as_u16();
    let body: Value = res
        .json()
        .await
        .unwrap_or_else(|e| panic!("{method} {path} {status}: not JSON: {e}"));
    check(
        doc,
        response_schema(doc, method, path, status),
        &body,
        &format!("{method} {path} {status}"),
    );
    body
}

#[tokio::test]
async fn real_answers_match_their_documented_schemas() {
    let (app, _dirs) = spawn_app().await;
    let doc = document(&app).await;
    let anonymous = Client::new();

    conforms(&doc, "get", "/api/health", anonymous.get(app.url(HEALTH_PATH))).await;
    conforms(&doc, "get", "/api/ready", anonymous.get(app.url("/api/ready"))).await;
    // The metrics' refusals are the API's errors; their text is checked in
    // `operations`.
    conforms(&doc, "get", "/api/metrics", anonymous.get(app.url("/api/metrics"))).await;
    conforms(&doc, "get", "/api/metrics", app.client.get(app.url("/api/metrics"))).await;
    conforms(&doc, "get", "/api/templates", anonymous.get(app.url(TEMPLATES_PATH))).await;
    let form = kuaibao_core::account::LoginRequest {
        username: REPORTER.to_owned(),
        password: PASSWORD.to_owned(),
        device_id: DEVICE.to_owned(),
    };
    conforms(
        &doc,
        "post",
        "/api/session",
        anonymous.post(app.url(SESSION_PATH)).json(&form),
    )
    .await;
    let wrong = kuaibao_core::account::LoginRequest {
        password: "wrong-password".to_owned(),
        ..form.clone()
    };
    conforms(
        &doc,
        "post",
        "/api/session",
        anonymous.post(app.url(SESSION_PATH)).json(&wrong),
    )
    .await;
    let empty = kuaibao_core::account::LoginRequest {
        username: String::new(),
        ..form
    };
    conforms(
        &doc,
        "post",
        "/api/session",
        anonymous.post(app.url(SESSION_PATH)).json(&empty),
    )
    .await;
    conforms(&doc, "get", "/api/session", app.client.get(app.url(SESSION_PATH))).await;
    conforms(&doc, "get", "/api/session", anonymous.get(app.url(SESSION_PATH))).await;

    // A report with a photo that arrives, and a second stage of its thread.
    let bytes = jpeg(20_000, 7);
    let report = hazard_with_photos(&[&bytes]);
    let submit = |r: &Report| app.client.post(app.url(SUBMIT_REPORT_PATH)).json(r);
    conforms(&doc, "post", "/api/reports", submit(&report)).await;
    conforms(&doc, "post", "/api/reports", submit(&report)).await; // the replay, 200
    let (location, offset) = app.tus_created(&report.photos[0]).await;
    assert_eq!(
        app.tus_send(&location, offset, &bytes, 8192).await.status(),
        StatusCode::NO_CONTENT
    );
    let next = hazard(Stage::Rectifying, Some(report.id), 5);
    conforms(&doc, "post", "/api/reports", submit(&next)).await;
    let mut invalid = new_report();
    invalid.answers.insert("casualties".into(), "many".into());
    conforms(&doc, "post", "/api/reports", submit(&invalid)).await; // 422 with fields

    conforms(&doc, "get", "/api/reports", app.client.get(app.url(SUBMIT_REPORT_PATH))).await;
    let one = format!("{SUBMIT_REPORT_PATH}/{}", report.id);
    conforms(&doc, "get", "/api/reports/{id}", app.client.get(app.url(&one))).await;
    let photos = conforms(
        &doc,
        "get",
        "/api/reports/{id}/photos",
        app.client.get(app.url(&format!("{one}/photos"))),
    )
    .await;
    assert!(photos["photos"][0]["arrived_at"].is_string(), "{photos}");
    let thread = conforms(
        &doc,
        "get",
        "/api/threads/{id}",
        app.client.get(app.url(&format!("/api/threads/{}", report.id))),
    )
    .await;
    assert_eq!(thread["records"].as_array().map(Vec::len), Some(2));
    conforms(
        &doc,
        "get",
        "/api/reports/{id}",
        app.client.get(app.url("/api/reports/nope")),
    )
    .await;
    conforms(
        &doc,
        "get",
        "/api/threads/{id}",
        app.client.get(app.url(&format!("/api/threads/{}", new_id()))),
    )
    .await;

    // The statistics of an incident, with figures and without (null).
    conforms(&doc, "post", "/api/reports", submit(&new_report())).await;
    let statistics = conforms(
        &doc,
        "get",
        "/api/office/statistics",
        app.admin.get(app.url("/api/office/statistics?level=township")),
    )
    .await;
    assert_eq!(statistics["total_threads"], 1, "{statistics}");
    conforms(
        &doc,
        "get",
        "/api/office/statistics",
        app.client.get(app.url("/api/office/statistics")),
    )
    .await; // a reporter: 403
}

#[tokio::test]
async fn the_example_submission_of_the_description_is_accepted() {
    let (app, _dirs) = spawn_app().await;
    let doc = document(&app).await;
    let media = &doc["paths"]["/api/reports"]["post"]["requestBody"]["content"]["application/json"];
    assert!(media["example"].is_object(), "an example report");
    check(&doc, &media["schema"], &media["example"], "the example");
    let res = app
        .client
        .post(app.url(SUBMIT_REPORT_PATH))
        .json(&media["example"])
        .send()
        .await
        .expect("POST");
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap_or_default()
    );
}
