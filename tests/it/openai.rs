//! `OpenAiProvider` (feature `openai`) against a stub HTTP/1.1 server on
//! 127.0.0.1: request shape (path, model, Authorization), strict parsing,
//! retries on 5xx/429 and connect errors, no retry on other 4xx, timeouts,
//! malformed answers, the heuristic fallback and API-key redaction. Never the
//! network.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hotcrm_support::Error;
use hotcrm_support::ai::{
    AgentProfile, AiProvider, ClassifyRequest, ContextDoc, EnhanceRequest, GenerateRequest,
    HeuristicAi, OpenAiConfig, OpenAiError, OpenAiProvider, RetryPolicy, SourceRef,
    SuggestAgentRequest, Urgency,
};
use hotcrm_support::case::{AiCategory, CaseType, Priority, Sentiment};
use hotcrm_support::ids::{AgentId, CaseId};
use hotcrm_support::knowledge::NO_ANSWER_TEXT;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "sk-test-4f1c9e";

/// One request the stub received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the stub answers to one request.
#[derive(Debug, Clone)]
enum Reply {
    Http {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Read the request, never answer.
    Hang,
}

fn status(code: u16, body: &str) -> Reply {
    Reply::Http {
        status: code,
        headers: Vec::new(),
        body: body.to_owned(),
    }
}

fn ok(body: Value) -> Reply {
    status(200, &body.to_string())
}

/// A chat completion whose message content is `content` (a JSON text).
fn chat(content: &str) -> Reply {
    ok(json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    }))
}

/// The stub server: answers requests with `replies` in order (the last one
/// repeats) and records them.
struct Stub {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Stub {
    async fn start(replies: Vec<Reply>) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v1", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let queue = Arc::new(Mutex::new(VecDeque::from(replies)));
        let recorded = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (recorded, queue) = (recorded.clone(), queue.clone());
                tokio::spawn(async move { serve(stream, recorded, queue).await });
            }
        });
        Stub { base, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

async fn serve(
    mut stream: TcpStream,
    recorded: Arc<Mutex<Vec<Seen>>>,
    queue: Arc<Mutex<VecDeque<Reply>>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let path = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = serde_json::from_slice(&buf[head_end..head_end + length]).unwrap_or(Value::Null);
    recorded.lock().unwrap().push(Seen {
        method,
        path,
        headers,
        body,
    });
    let reply = {
        let mut q = queue.lock().unwrap();
        if q.len() > 1 {
            q.pop_front().unwrap()
        } else {
            q.front().cloned().unwrap_or(Reply::Hang)
        }
    };
    match reply {
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        Reply::Http {
            status,
            headers,
            body,
        } => {
            let mut out = format!(
                "HTTP/1.1 {status} Stub\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
            out.push_str("\r\n");
            out.push_str(&body);
            let _ = stream.write_all(out.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    }
}

/// The timeout of the tests that time out.
const SHORT: Duration = Duration::from_millis(200);

/// A test configuration for `stub`: fast retries, and a timeout long enough
/// that a loaded machine never hits it by accident (the timeout tests set
/// [`SHORT`]).
fn config(stub: &Stub) -> OpenAiConfig {
    OpenAiConfig::new()
        .base_url(&stub.base)
        .api_key(KEY)
        .chat_model("test-chat")
        .embedding_model("test-embed")
        .timeout(Duration::from_secs(10))
        .retry(RetryPolicy::new(
            2,
            Duration::from_millis(5),
            Duration::from_millis(20),
        ))
}

fn provider(config: OpenAiConfig) -> OpenAiProvider {
    OpenAiProvider::new(config).unwrap()
}

fn cause(err: &Error) -> &OpenAiError {
    OpenAiError::of(err).unwrap_or_else(|| panic!("not an OpenAiError: {err:?}"))
}

const CLASSIFICATION: &str = r#"{"category": "Billing", "case_type": "Problem", "priority": "High", "confidence": 0.9, "reason": "double charge"}"#;
const SENTIMENT: &str = r#"{"sentiment": "Angry", "score": -0.8, "urgency": "High", "emotions": {"anger": 0.9, "frustration": 0.7, "anxiety": 0.1, "joy": 0.0}, "confidence": 0.85}"#;

#[tokio::test]
async fn classify_round_trip_sends_model_path_and_key() {
    let stub = Stub::start(vec![chat(CLASSIFICATION)]).await;
    let ai = provider(config(&stub));
    let c = ai
        .classify(&ClassifyRequest::new(
            "Charged twice",
            "My card was billed two times",
        ))
        .await
        .unwrap();
    assert_eq!(
        (c.category, c.case_type, c.priority),
        (AiCategory::Billing, CaseType::Problem, Priority::High)
    );
    assert!((c.confidence - 0.9).abs() < 1e-6);
    assert_eq!(c.reason, "double charge");

    let seen = stub.seen();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/chat/completions");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(r.body["model"], "test-chat");
    assert_eq!(r.body["response_format"]["type"], "json_object");
    assert_eq!(r.body["temperature"], 0.0);
    assert_eq!(r.body["messages"][0]["role"], "system");
    assert!(
        r.body["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("\"Feature Request\"")
    );
    assert_eq!(
        r.body["messages"][1]["content"],
        "Charged twice\nMy card was billed two times"
    );
}

#[tokio::test]
async fn no_api_key_sends_no_authorization() {
    let stub = Stub::start(vec![chat(CLASSIFICATION)]).await;
    let cfg = OpenAiConfig::new()
        .base_url(&stub.base)
        .timeout(Duration::from_secs(10));
    provider(cfg)
        .classify(&ClassifyRequest::new("a", "b"))
        .await
        .unwrap();
    let seen = stub.seen();
    assert_eq!(seen[0].header("authorization"), None);
    // The temperature is left out when unset.
    let stub = Stub::start(vec![chat(CLASSIFICATION)]).await;
    provider(config(&stub).temperature(None))
        .classify(&ClassifyRequest::new("a", "b"))
        .await
        .unwrap();
    assert!(stub.seen()[0].body.get("temperature").is_none());
}

#[tokio::test]
async fn sentiment_round_trip() {
    let stub = Stub::start(vec![chat(SENTIMENT)]).await;
    let s = provider(config(&stub))
        .sentiment("This is the third time! Fix it NOW")
        .await
        .unwrap();
    assert_eq!(s.sentiment, Sentiment::Angry);
    assert_eq!(s.urgency, Urgency::High);
    assert!((s.score + 0.8).abs() < 1e-6);
    assert!((s.emotions.anger - 0.9).abs() < 1e-6);
    let seen = stub.seen();
    assert_eq!(seen[0].path, "/v1/chat/completions");
    assert_eq!(
        seen[0].body["messages"][1]["content"],
        "This is the third time! Fix it NOW"
    );
}

#[tokio::test]
async fn picklist_values_ignore_case_and_spaces() {
    let stub = Stub::start(vec![chat(
        r#"{"category": "feature", "case_type": "feature request", "priority": "LOW", "confidence": 1, "reason": ""}"#,
    )])
    .await;
    let c = provider(config(&stub))
        .classify(&ClassifyRequest::new("Dark mode", "please"))
        .await
        .unwrap();
    assert_eq!(
        (c.category, c.case_type, c.priority),
        (AiCategory::Feature, CaseType::FeatureRequest, Priority::Low)
    );
}

#[tokio::test]
async fn analyze_is_one_request_and_each_half_fails_alone() {
    let both = format!(r#"{{"classification": {CLASSIFICATION}, "sentiment": {SENTIMENT}}}"#);
    let stub = Stub::start(vec![chat(&both)]).await;
    let ai = provider(config(&stub));
    let (c, s) = ai.analyze(&ClassifyRequest::new("Charged twice", "")).await;
    assert_eq!(c.unwrap().category, AiCategory::Billing);
    assert_eq!(s.unwrap().sentiment, Sentiment::Angry);
    assert_eq!(stub.count(), 1);

    let half = format!(
        r#"{{"classification": {CLASSIFICATION}, "sentiment": {{"sentiment": "Elated"}}}}"#
    );
    let stub = Stub::start(vec![chat(&half)]).await;
    let (c, s) = provider(config(&stub))
        .analyze(&ClassifyRequest::new("Charged twice", ""))
        .await;
    assert!(c.is_ok());
    assert!(matches!(
        cause(&s.unwrap_err()),
        OpenAiError::Malformed { .. }
    ));
}

#[tokio::test]
async fn embed_round_trip_orders_by_index_and_normalises() {
    let stub = Stub::start(vec![ok(json!({
        "object": "list",
        "data": [
            {"object": "embedding", "index": 1, "embedding": [0.0, 2.0, 0.0]},
            {"object": "embedding", "index": 0, "embedding": [3.0, 0.0, 4.0]},
        ],
        "model": "test-embed",
    }))])
    .await;
    let ai = provider(config(&stub));
    let texts = vec!["reset password".to_string(), "invoice pdf".to_string()];
    let e = ai.embed(&texts).await.unwrap();
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].as_slice(), &[0.6, 0.0, 0.8]);
    assert_eq!(e[1].as_slice(), &[0.0, 1.0, 0.0]);
    let seen = stub.seen();
    assert_eq!(seen[0].path, "/v1/embeddings");
    assert_eq!(seen[0].body["model"], "test-embed");
    assert_eq!(
        seen[0].body["input"],
        json!(["reset password", "invoice pdf"])
    );
    assert_eq!(
        seen[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );

    // An empty input asks nothing.
    assert!(ai.embed(&[]).await.unwrap().is_empty());
    assert_eq!(stub.count(), 1);
}

#[tokio::test]
async fn embed_rejects_wrong_counts_and_changed_dimensions() {
    let stub = Stub::start(vec![
        ok(json!({"data": [{"index": 0, "embedding": [1.0, 0.0]}]})),
        ok(json!({"data": [{"index": 0, "embedding": [1.0, 0.0]}]})),
        ok(json!({"data": [{"index": 0, "embedding": [1.0, 0.0, 0.0]}]})),
        ok(json!({"data": [{"index": 0, "embedding": [0.0, 0.0]}, {"index": 0, "embedding": [1.0, 0.0]}]})),
        ok(json!({"data": [{"index": 1, "embedding": [1.0, 0.0]}, {"index": 1, "embedding": [1.0, 0.0]}]})),
    ])
    .await;
    let ai = provider(config(&stub));
    let two = vec!["a".to_string(), "b".to_string()];
    assert_eq!(ai.embed(&two[..1]).await.unwrap()[0].dim(), 2);
    // One embedding for two texts.
    let err = ai.embed(&two).await.unwrap_err();
    assert!(
        matches!(cause(&err), OpenAiError::Malformed { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("1 embeddings for 2 texts"),
        "{err}"
    );
    // The first answer fixed the dimension at 2: a 3-dimensional one is refused.
    let err = ai.embed(&two[..1]).await.unwrap_err();
    assert!(err.to_string().contains("dimension 3, expected 2"), "{err}");
    // A zero vector, a repeated index.
    let err = ai.embed(&two).await.unwrap_err();
    assert!(
        matches!(cause(&err), OpenAiError::Malformed { .. }),
        "{err}"
    );
    let err = ai.embed(&two).await.unwrap_err();
    assert!(err.to_string().contains("index 1 answered twice"), "{err}");
    assert_eq!(stub.count(), 5);
}

fn article(n: u32, title: &str, text: &str) -> ContextDoc {
    ContextDoc {
        source: SourceRef::Article(format!("KB-2026-{n:04}").parse().unwrap()),
        title: title.into(),
        text: text.into(),
    }
}

#[tokio::test]
async fn generate_round_trip_cites_by_number() {
    let stub = Stub::start(vec![
        chat(r#"{"answer": "Click Forgot password on the login page.", "cited": [2, 7, 2], "confidence": 0.8}"#),
        chat(r#"{"answer": "", "cited": [], "confidence": 0.1}"#),
    ])
    .await;
    let ai = provider(config(&stub));
    let request = GenerateRequest::new("How do I reset my password?")
        .with_context(article(1, "Invoices", "Download invoices as PDF."))
        .with_context(article(
            15,
            "Reset your password",
            "1. Click Forgot password.",
        ));
    let g = ai.generate(&request).await.unwrap();
    assert_eq!(g.text, "Click Forgot password on the login page.");
    // 7 is not a context document: dropped; 2 is cited once.
    assert_eq!(g.cited, vec![request.context[1].source]);
    assert!((g.confidence - 0.8).abs() < 1e-6);
    let user = stub.seen()[0].body["messages"][1]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(user.contains("Document 2: Reset your password"), "{user}");
    assert!(
        user.ends_with("Question: How do I reset my password?"),
        "{user}"
    );

    // No answer: the crate's "no article" text, nothing cited.
    let g = ai.generate(&request).await.unwrap();
    assert_eq!((g.text.as_str(), g.cited.len()), (NO_ANSWER_TEXT, 0));
}

#[tokio::test]
async fn enhance_and_suggest_agent_round_trips() {
    let stub = Stub::start(vec![
        chat(r#"{"summary": " Reset a forgotten password. ", "tags": ["password", "password", " login "], "keywords": ["reset"]}"#),
        chat(r#"{"candidate": 2, "confidence": 0.75, "reason": "knows invoicing"}"#),
        chat(r#"{"candidate": 9, "confidence": 0.75, "reason": "?"}"#),
        chat(r#"{"candidate": null, "confidence": 0, "reason": "nobody fits"}"#),
    ])
    .await;
    let ai = provider(config(&stub));
    let e = ai
        .enhance_article(&EnhanceRequest {
            title: "Reset".into(),
            summary: String::new(),
            content: "Steps.".into(),
            tags: vec![],
        })
        .await
        .unwrap();
    assert_eq!(e.summary.as_deref(), Some("Reset a forgotten password."));
    assert_eq!(e.tags, vec!["password", "login"]);
    assert_eq!(e.keywords, vec!["reset"]);

    let mut request = SuggestAgentRequest::new(CaseId::from_u128(1), "Refund", "Invoice wrong");
    for (i, name) in [(1, "Ada"), (2, "Grace")] {
        request.candidates.push(AgentProfile {
            agent: AgentId::from_u128(i),
            name: name.into(),
            skills: vec![("Invoicing".into(), 4)],
            load: 0,
            limit: 5,
        });
    }
    let s = ai.suggest_agent(&request).await.unwrap().unwrap();
    assert_eq!(s.agent, AgentId::from_u128(2));
    assert_eq!(s.reason, "knows invoicing");
    let err = ai.suggest_agent(&request).await.unwrap_err();
    assert!(matches!(cause(&err), OpenAiError::Malformed { .. }));
    assert!(ai.suggest_agent(&request).await.unwrap().is_none());
    // No candidates: no request.
    let before = stub.count();
    let empty = SuggestAgentRequest::new(CaseId::from_u128(1), "Refund", "");
    assert!(ai.suggest_agent(&empty).await.unwrap().is_none());
    assert_eq!(stub.count(), before);
}

#[tokio::test]
async fn retries_on_500_and_429_then_succeeds() {
    let stub = Stub::start(vec![
        status(500, r#"{"error": {"message": "boom"}}"#),
        Reply::Http {
            status: 429,
            headers: vec![("Retry-After", "0".into())],
            body: r#"{"error": {"message": "rate limited"}}"#.into(),
        },
        chat(CLASSIFICATION),
    ])
    .await;
    let c = provider(config(&stub))
        .classify(&ClassifyRequest::new("a", "b"))
        .await
        .unwrap();
    assert_eq!(c.category, AiCategory::Billing);
    assert_eq!(stub.count(), 3);
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_status_is_returned() {
    let stub = Stub::start(vec![status(503, "overloaded")]).await;
    let err = provider(config(&stub))
        .sentiment("hello")
        .await
        .unwrap_err();
    assert_eq!(stub.count(), 3); // the first attempt and two retries
    let cause = cause(&err);
    assert_eq!(cause.status(), Some(503));
    assert!(err.to_string().contains("overloaded"), "{err}");
}

#[tokio::test]
async fn retry_after_beyond_the_cap_gives_up() {
    let stub = Stub::start(vec![Reply::Http {
        status: 429,
        headers: vec![("Retry-After", "120".into())],
        body: "{}".into(),
    }])
    .await;
    let err = provider(config(&stub))
        .sentiment("hello")
        .await
        .unwrap_err();
    assert_eq!(cause(&err).status(), Some(429));
    assert_eq!(stub.count(), 1);
}

#[tokio::test]
async fn no_retry_on_400() {
    let stub = Stub::start(vec![
        status(
            400,
            r#"{"error": {"message": "model not found", "type": "invalid_request_error"}}"#,
        ),
        chat(CLASSIFICATION),
    ])
    .await;
    let err = provider(config(&stub))
        .classify(&ClassifyRequest::new("a", "b"))
        .await
        .unwrap_err();
    assert_eq!(stub.count(), 1);
    assert_eq!(
        cause(&err),
        &OpenAiError::Status {
            endpoint: "/chat/completions",
            status: 400,
            message: "model not found".into()
        }
    );
    assert!(!cause(&err).is_retryable());
}

#[tokio::test]
async fn timeout_is_a_typed_error() {
    let stub = Stub::start(vec![Reply::Hang]).await;
    let err = provider(config(&stub).timeout(SHORT).retry(RetryPolicy::none()))
        .classify(&ClassifyRequest::new("a", "b"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Ai { .. }));
    assert_eq!(
        cause(&err),
        &OpenAiError::Timeout {
            endpoint: "/chat/completions"
        }
    );
}

#[tokio::test]
async fn timeouts_are_retried() {
    let stub = Stub::start(vec![Reply::Hang, chat(SENTIMENT)]).await;
    let s = provider(config(&stub).timeout(SHORT))
        .sentiment("hi")
        .await
        .unwrap();
    assert_eq!(s.sentiment, Sentiment::Angry);
    assert_eq!(stub.count(), 2);
}

#[tokio::test]
async fn connect_failure_is_a_typed_error() {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    drop(listener);
    let ai = provider(
        OpenAiConfig::new()
            .base_url(base)
            .timeout(SHORT)
            .retry(RetryPolicy::new(
                1,
                Duration::from_millis(1),
                Duration::from_millis(1),
            )),
    );
    let err = ai.sentiment("hi").await.unwrap_err();
    assert!(
        matches!(
            cause(&err),
            OpenAiError::Connect { .. } | OpenAiError::Timeout { .. }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn malformed_answers_are_typed_errors_and_not_retried() {
    for reply in [
        status(200, "<html>gateway</html>"),
        ok(json!({"choices": []})),
        chat("Sure! Here is the JSON: {"),
        chat("[1, 2]"),
        chat(
            r#"{"category": "Sales", "case_type": "Problem", "priority": "High", "confidence": 0.9, "reason": ""}"#,
        ),
        chat(
            r#"{"category": "Billing", "case_type": "Problem", "priority": "High", "confidence": 1.7, "reason": ""}"#,
        ),
        chat(r#"{"category": "Billing", "priority": "High", "confidence": 0.5}"#),
    ] {
        let stub = Stub::start(vec![reply.clone()]).await;
        let err = provider(config(&stub))
            .classify(&ClassifyRequest::new("a", "b"))
            .await
            .unwrap_err();
        assert!(
            matches!(cause(&err), OpenAiError::Malformed { .. }),
            "{reply:?}: {err:?}"
        );
        assert_eq!(stub.count(), 1, "{reply:?}");
    }
    let stub = Stub::start(vec![chat(
        r#"{"sentiment": "Positive", "score": 3, "urgency": "Low", "confidence": 0.5}"#,
    )])
    .await;
    let err = provider(config(&stub)).sentiment("x").await.unwrap_err();
    assert!(
        err.to_string().contains("score 3 is not in -1..=1"),
        "{err}"
    );
}

#[tokio::test]
async fn fallback_answers_with_heuristic_ai() {
    let stub = Stub::start(vec![status(500, "down")]).await;
    let ai = provider(
        config(&stub)
            .retry(RetryPolicy::none())
            .fallback_to_heuristic(true),
    );
    let heuristic = HeuristicAi::new();
    let request = ClassifyRequest::new("Unable to login", "Getting authentication error");
    assert_eq!(ai.fallback_count(), 0);
    assert_eq!(
        ai.classify(&request).await.unwrap(),
        heuristic.classify_text(&request)
    );
    assert_eq!(ai.fallback_count(), 1);
    assert_eq!(
        ai.sentiment("I am so frustrated!").await.unwrap(),
        heuristic.sentiment_text("I am so frustrated!")
    );
    let (c, s) = ai.analyze(&request).await;
    assert_eq!(c.unwrap(), heuristic.classify_text(&request));
    assert_eq!(s.unwrap(), heuristic.sentiment_text(&request.text()));
    let g = GenerateRequest::new("How do I reset my password?").with_context(article(
        15,
        "Reset your password",
        "1. Click Forgot password.",
    ));
    assert_eq!(ai.generate(&g).await.unwrap(), heuristic.generate_text(&g));

    // Malformed answers fall back too.
    let stub = Stub::start(vec![chat(r#"{"category": "Sales"}"#)]).await;
    let ai = provider(config(&stub).fallback_to_heuristic(true));
    assert_eq!(
        ai.classify(&request).await.unwrap(),
        heuristic.classify_text(&request)
    );
    // Embeddings never do: heuristic vectors would not match the model's.
    let stub = Stub::start(vec![status(500, "down")]).await;
    let ai = provider(
        config(&stub)
            .retry(RetryPolicy::none())
            .fallback_to_heuristic(true),
    );
    let err = ai.embed(&["x".to_string()]).await.unwrap_err();
    assert_eq!(cause(&err).status(), Some(500));
}

#[tokio::test]
async fn api_key_is_absent_from_debug_output() {
    let echo = format!(r#"{{"error": {{"message": "Incorrect API key provided: {KEY}"}}}}"#);
    let stub = Stub::start(vec![status(401, &echo)]).await;
    let cfg = config(&stub);
    let shown = format!("{cfg:?} {cfg:#?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("<redacted>"));
    let ai = provider(cfg);
    let shown = format!("{ai:?}");
    assert!(!shown.contains(KEY), "{shown}");
    // Even an error body that echoes the key does not carry it into the error.
    let err = ai.sentiment("hi").await.unwrap_err();
    assert!(!format!("{err:?} {err}").contains(KEY), "{err:?}");
    assert!(
        err.to_string()
            .contains("Incorrect API key provided: <redacted>"),
        "{err}"
    );
    assert_eq!(stub.count(), 1); // 401 is not retried
}

#[test]
fn invalid_configurations_are_refused() {
    let field = |c: OpenAiConfig| match OpenAiProvider::new(c) {
        Err(Error::Validation { field, reason }) => {
            assert!(!reason.contains(KEY));
            field
        }
        other => panic!("expected a validation error, got {other:?}"),
    };
    assert_eq!(
        field(OpenAiConfig::new().base_url("not a url")),
        "openai.base_url"
    );
    assert_eq!(
        field(OpenAiConfig::new().base_url("file:///tmp")),
        "openai.base_url"
    );
    assert_eq!(
        field(OpenAiConfig::new().chat_model(" ")),
        "openai.chat_model"
    );
    assert_eq!(
        field(OpenAiConfig::new().embedding_model("")),
        "openai.embedding_model"
    );
    assert_eq!(field(OpenAiConfig::new().api_key("")), "openai.api_key");
    assert_eq!(
        field(OpenAiConfig::new().api_key(format!("{KEY}\n"))),
        "openai.api_key"
    );
    assert_eq!(
        field(OpenAiConfig::new().timeout(Duration::ZERO)),
        "openai.timeout"
    );
    let slow = Duration::from_secs(1);
    assert_eq!(
        field(OpenAiConfig::new().retry(RetryPolicy::new(11, slow, slow))),
        "openai.retry"
    );
    assert_eq!(
        field(OpenAiConfig::new().retry(RetryPolicy::new(1, slow * 2, slow))),
        "openai.retry"
    );
}

#[test]
fn backoff_doubles_up_to_the_cap() {
    let r = RetryPolicy::new(10, Duration::from_millis(100), Duration::from_secs(1));
    let waits: Vec<u128> = (0..6).map(|n| r.delay(n).as_millis()).collect();
    assert_eq!(waits, vec![100, 200, 400, 800, 1000, 1000]);
    assert_eq!(r.delay(u32::MAX), Duration::from_secs(1));
}
