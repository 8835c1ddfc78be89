//! Reading the account's audit log (`GET /audit_logs`, Enterprise only), for `zplan
//! --explain-drift`.

use super::limits::PAGE_SIZE_PARAM;
use super::pager::PageStyle;
use super::wire::AuditLog;
use super::{Pager, ReadClient};

impl ReadClient {
    /// The audit entries of `source_type` made from `since` to `until` (RFC 3339, both
    /// inclusive), newest first, 100 a page by cursor: one request a page.
    #[must_use]
    pub fn audit_logs(&self, source_type: &str, since: &str, until: &str) -> Pager<AuditLog> {
        self.pager(
            "audit_logs",
            &[
                ("filter[source_type]", source_type),
                ("filter[created_at]", since),
                ("filter[created_at]", until),
                ("sort", "-created_at"),
                ("page[size]", PAGE_SIZE_PARAM),
            ],
            "audit_logs",
            PageStyle::Cursor,
        )
    }
}
