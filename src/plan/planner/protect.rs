//! Protection (DESIGN.md §5): changes to protected users, and demotions, suspensions and
//! deletions of the authenticated user, stay in the plan, blocked. The rules are
//! [`crate::plan::safety`]'s, which `zapply` evaluates again at apply time.

use std::collections::HashMap;

use super::Planner;
use crate::plan::safety::{self, Facts};

impl Planner<'_> {
    /// Blocks what the safety rules forbid, against the live state fetched. Users' secondary
    /// addresses are not known yet: `zplan` reads those of the users whose access a change
    /// lowers once the plan is built, and evaluates the rules again
    /// ([`crate::plan::Plan::enforce_safety`]).
    pub(super) fn protect_users(&mut self) {
        let addresses = HashMap::new();
        let facts = Facts {
            me: self.state.me.id,
            users: &self.state.users,
            addresses: &addresses,
            agent_seats: self.state.agent_seats,
        };
        safety::block(&mut self.changes, &self.protect, &facts);
    }
}
