//! Applying macros (canned responses) through the desk.

use super::{Outcome, SupportDesk};
use crate::case::{Actor, Macro, MacroContext};
use crate::error::{Error, Result};
use crate::ids::{AgentId, CaseId, CommentId};

impl SupportDesk {
    /// Applies `macro_` to the case as `agent`: its actions become commands
    /// ([`Macro::commands`]: templates rendered with the case, its contact's
    /// and account's names and the agent's roster name) decided one after the
    /// other and stored in one commit — all of them or none. Comment ids
    /// derive from `run`, and status steps the case is already in are
    /// skipped, so applying the same run again stores nothing.
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::execute_all_as`]: a refused action (an invalid status
    /// move, a closed case) stores nothing.
    ///
    /// ```
    /// # use hotcrm_support::case::{CaseStatus, Macro, MacroAction, Priority};
    /// # use hotcrm_support::desk::{CaseRequest, SupportDesk};
    /// # use hotcrm_support::ids::{AccountId, AgentId, CommentId, ContactId};
    /// # use hotcrm_support::repo::{Account, Contact, MemoryRepository, Repository};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let repo = std::sync::Arc::new(MemoryRepository::new());
    /// # let acme = Account::new(AccountId::from_u128(1), "Acme");
    /// # repo.put_account(&acme, None).await?;
    /// # let ann = Contact::new(ContactId::from_u128(2), acme.id, "Ann Lee", "ann@acme.test");
    /// # repo.put_contact(&ann, None).await?;
    /// # let desk = SupportDesk::builder(repo).build();
    /// let case = desk.create_case(CaseRequest::new(acme.id, "Export fails", "Error 500").contact(ann.id)).await?.case.value;
    /// let agent = AgentId::from_u128(9);
    /// desk.assign(case.id, agent).await?;
    /// let ask_logs = Macro::new("Ask for logs", vec![
    ///     MacroAction::Reply("Hi {{contact.first_name|there}}, could you send the export log for {{case.number}}?".into()),
    ///     MacroAction::SetPriority(Priority::High),
    ///     MacroAction::WaitOnCustomer,
    /// ])?;
    /// let out = desk.apply_macro(case.id, &ask_logs, agent, CommentId::from_u128(100)).await?;
    /// assert_eq!(out.case.value.status, CaseStatus::WaitingOnCustomer);
    /// assert_eq!(out.case.value.comments[0].body, "Hi Ann, could you send the export log for CASE-2026-0001?");
    /// // The same run again changes nothing.
    /// assert!(desk.apply_macro(case.id, &ask_logs, agent, CommentId::from_u128(100)).await?.events.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn apply_macro(
        &self,
        case: CaseId,
        macro_: &Macro,
        agent: AgentId,
        run: CommentId,
    ) -> Result<Outcome> {
        let current = self.repo.get_case(case).await?.value;
        let contact_name = match current.contact {
            Some(contact) => match self.repo.get_contact(contact).await {
                Ok(c) => Some(c.value.name),
                Err(Error::NotFound { .. }) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let account_name = match self.repo.get_account(current.account).await {
            Ok(a) => Some(a.value.name),
            Err(Error::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        let agent_name = self
            .roster()
            .await?
            .and_then(|r| r.agents.into_iter().find(|a| a.id == agent))
            .map(|a| a.name);
        let context = MacroContext {
            contact_name,
            account_name,
            agent_name,
        };
        let commands = macro_.commands(&current, &context, agent, run)?;
        self.execute_all_as(case, Actor::Agent(agent), &commands)
            .await
    }
}
