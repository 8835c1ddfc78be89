//! An error answer of the emulated API: status, body and the few headers that go with it,
//! in the shapes Zendesk uses (see `zendesk/API.md` §7 and the recordings).

use serde_json::{Map, Value, json};

/// The body of an error answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorBody {
    /// A JSON body (`application/json; charset=utf-8`).
    Json(Value),
    /// A plain-text body (`text/plain; charset=UTF-8`), as the per-user limit answers.
    Text(String),
}

/// An error answer of the emulated API.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: ErrorBody,
    /// `Retry-After` in seconds, on 429 and 503.
    pub retry_after: Option<u64>,
    /// Whether to send `WWW-Authenticate: Basic realm="Web Password"` (401).
    pub www_authenticate: bool,
}

impl ApiError {
    fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: ErrorBody::Json(body),
            retry_after: None,
            www_authenticate: false,
        }
    }

    /// 404 `RecordNotFound`.
    #[must_use]
    pub fn not_found() -> Self {
        Self::json(
            404,
            json!({"error": "RecordNotFound", "description": "Not found"}),
        )
    }

    /// 404 `InvalidEndpoint` for a route Zendesk does not have.
    #[must_use]
    pub fn invalid_endpoint() -> Self {
        Self::json(
            404,
            json!({"error": "InvalidEndpoint", "description": "Not found"}),
        )
    }

    /// 401 with `WWW-Authenticate`.
    #[must_use]
    pub fn unauthorized() -> Self {
        Self {
            www_authenticate: true,
            ..Self::json(401, json!({"error": "Couldn't authenticate you"}))
        }
    }

    /// 401 for an OAuth access token that is expired, revoked or unknown, in Zendesk's
    /// OAuth error shape.
    #[must_use]
    pub fn invalid_token() -> Self {
        Self::json(
            401,
            json!({"error": "invalid_token", "error_description": "The access token provided is expired, revoked, malformed or invalid for other reasons."}),
        )
    }

    /// 403 `Forbidden` with a description.
    #[must_use]
    pub fn forbidden(description: &str) -> Self {
        Self::json(
            403,
            json!({"error": "Forbidden", "description": description}),
        )
    }

    /// 400 with an `error` code and a description.
    #[must_use]
    pub fn bad_request(error: &str, description: &str) -> Self {
        Self::json(400, json!({"error": error, "description": description}))
    }

    /// 400 `TooManyValues` in the organizations wording (two spaces and `max_count`, as recorded).
    #[must_use]
    pub fn too_many_values() -> Self {
        Self::json(
            400,
            json!({"error": "TooManyValues", "description": "Parameter  cannot specify more than 100 values", "max_count": 100}),
        )
    }

    /// 400 `TooManyValues` in the users-create wording (as recorded).
    #[must_use]
    pub fn too_many_users_created() -> Self {
        Self::json(
            400,
            json!({"error": "TooManyValues", "description": "Maximum 100 users may be created per call"}),
        )
    }

    /// 400 for a request whose root key is missing, in Rails' words.
    #[must_use]
    pub fn parameter_missing(key: &str) -> Self {
        Self::bad_request(
            "ParameterMissing",
            &format!("param is missing or the value is empty: {key}"),
        )
    }

    /// 422 `RecordInvalid` with `details`.
    #[must_use]
    pub fn record_invalid(details: Details) -> Self {
        Self::json(
            422,
            json!({"error": "RecordInvalid", "description": "Record validation errors", "details": Value::Object(details.0)}),
        )
    }

    /// 422 `RecordInvalid` with one detail item.
    #[must_use]
    pub fn invalid(field: &str, description: String, error: Option<&str>) -> Self {
        let mut details = Details::default();
        details.push(field, description, error);
        Self::record_invalid(details)
    }

    /// 429 of the account-wide limit (JSON body, a documented choice).
    #[must_use]
    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::json(
                429,
                json!({"error": "APIRateLimitExceeded", "description": "Number of allowed API requests per minute exceeded"}),
            )
        }
    }

    /// 429 of the per-user update limit: plain text, as recorded.
    #[must_use]
    pub fn user_update_limited(retry_after: u64) -> Self {
        Self {
            status: 429,
            body: ErrorBody::Text(
                "You have exceeded the rate limit for updating a single unique user. user email:  id:  external_id: "
                    .to_owned(),
            ),
            retry_after: Some(retry_after),
            www_authenticate: false,
        }
    }

    /// 429 when too many jobs are queued or running (a documented choice).
    #[must_use]
    pub fn too_many_jobs(max_jobs: usize) -> Self {
        Self {
            retry_after: Some(10),
            ..Self::json(
                429,
                json!({"error": "TooManyJobs", "description": format!("Too many jobs are queued or running (maximum {max_jobs}); try again later")}),
            )
        }
    }

    /// An injected server error (500 or 503).
    #[must_use]
    pub fn server_error(status: u16) -> Self {
        if status == 503 {
            Self {
                retry_after: Some(1),
                ..Self::json(
                    503,
                    json!({"error": "ServiceUnavailable", "description": "Service temporarily unavailable"}),
                )
            }
        } else {
            Self::json(
                500,
                json!({"error": "InternalServerError", "description": "Internal server error"}),
            )
        }
    }

    /// The detail items of a 422: field, description and error code.
    #[must_use]
    pub fn details(&self) -> Vec<(String, String, Option<String>)> {
        let ErrorBody::Json(body) = &self.body else {
            return Vec::new();
        };
        let Some(details) = body.get("details").and_then(Value::as_object) else {
            return Vec::new();
        };
        details
            .iter()
            .flat_map(|(field, items)| {
                items.as_array().into_iter().flatten().map(move |item| {
                    (
                        field.clone(),
                        item["description"].as_str().unwrap_or_default().to_owned(),
                        item["error"].as_str().map(str::to_owned),
                    )
                })
            })
            .collect()
    }

    /// The first detail description, for a failed job item's `details`.
    #[must_use]
    pub fn detail_text(&self) -> String {
        let ErrorBody::Json(body) = &self.body else {
            return String::new();
        };
        if let Some(details) = body.get("details").and_then(Value::as_object) {
            for items in details.values() {
                if let Some(d) = items
                    .get(0)
                    .and_then(|i| i.get("description"))
                    .and_then(Value::as_str)
                {
                    return d.to_owned();
                }
            }
        }
        body.get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }
}

/// The `details` object of a 422, field by field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Details(pub Map<String, Value>);

impl Details {
    /// Adds one `{"description", "error"?}` item under `field`.
    pub fn push(&mut self, field: &str, description: String, error: Option<&str>) {
        let mut item = Map::new();
        item.insert("description".into(), Value::String(description));
        if let Some(error) = error {
            item.insert("error".into(), Value::String(error.to_owned()));
        }
        let entry = self
            .0
            .entry(field.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = entry {
            items.push(Value::Object(item));
        }
    }

    /// Whether no detail was added.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
