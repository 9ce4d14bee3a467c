//! Macros (canned responses): a named set of actions applied to a case as one
//! command — status, priority, type, category, queue, a public reply and an
//! internal note from templates with placeholders. Pure values; the desk
//! applies them ([`SupportDesk::apply_macro`](crate::desk::SupportDesk::apply_macro)).
//!
//! # Templates
//!
//! `{{name}}` is replaced by a value of the case; `{{name|fallback}}` uses
//! `fallback` when the value is unknown (a case without a contact has no
//! `contact.name`). Known names: `case.number`, `case.subject`,
//! `case.status`, `case.priority`, `case.type`, `contact.name`,
//! `contact.first_name`, `account.name`, `agent.name`, `agent.first_name`.
//! An unknown name or an unclosed `{{` is refused when the macro is built,
//! never at run time. An unknown value without a fallback renders empty.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::validate::{MAX_SHORT_TEXT, MAX_TEXT, required_text};
use super::{
    AiCategory, Case, CaseCommand, CaseEdit, CaseStatus, CaseType, NewComment, Priority, Resolution,
};
use crate::error::{Error, Result};
use crate::ids::{AgentId, CommentId, QueueId};

/// The placeholder names templates may use.
pub const PLACEHOLDERS: [&str; 10] = [
    "case.number",
    "case.subject",
    "case.status",
    "case.priority",
    "case.type",
    "contact.name",
    "contact.first_name",
    "account.name",
    "agent.name",
    "agent.first_name",
];

/// One action of a [`Macro`], in the order given.
///
/// ```
/// use hotcrm_support::case::{MacroAction, Priority};
/// let a = MacroAction::SetPriority(Priority::High);
/// assert_eq!(a.name(), "set priority");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", content = "value")]
#[non_exhaustive]
pub enum MacroAction {
    /// Wait on the customer (skipped when the case already does).
    WaitOnCustomer,
    /// Start work (skipped when In Progress).
    StartWork,
    /// Resolve with this resolution text template (skipped when Resolved).
    Resolve(String),
    /// Set the priority.
    SetPriority(Priority),
    /// Set the type.
    SetType(CaseType),
    /// Set the category.
    SetCategory(Option<AiCategory>),
    /// Move to a queue.
    MoveToQueue(QueueId),
    /// A public reply by the applying agent, from a template.
    Reply(String),
    /// An internal note by the applying agent, from a template.
    Note(String),
}

impl MacroAction {
    /// A short name for messages.
    ///
    /// ```
    /// assert_eq!(hotcrm_support::case::MacroAction::Reply("Hi".into()).name(), "reply");
    /// ```
    pub const fn name(&self) -> &'static str {
        match self {
            MacroAction::WaitOnCustomer => "wait on customer",
            MacroAction::StartWork => "start work",
            MacroAction::Resolve(_) => "resolve",
            MacroAction::SetPriority(_) => "set priority",
            MacroAction::SetType(_) => "set type",
            MacroAction::SetCategory(_) => "set category",
            MacroAction::MoveToQueue(_) => "move to queue",
            MacroAction::Reply(_) => "reply",
            MacroAction::Note(_) => "note",
        }
    }

    fn template(&self) -> Option<&str> {
        match self {
            MacroAction::Resolve(t) | MacroAction::Reply(t) | MacroAction::Note(t) => Some(t),
            _ => None,
        }
    }
}

/// A named set of actions applied as one command: all of them or none.
///
/// ```
/// use hotcrm_support::case::{Macro, MacroAction};
/// let ask_logs = Macro::new("Ask for logs", vec![
///     MacroAction::Reply("Hi {{contact.first_name|there}}, could you send the logs for {{case.number}}?".into()),
///     MacroAction::WaitOnCustomer,
/// ])?;
/// assert_eq!(ask_logs.name(), "Ask for logs");
/// assert!(Macro::new("Bad", vec![MacroAction::Reply("{{case.colour}}".into())]).is_err());
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "MacroRecord")]
pub struct Macro {
    name: String,
    actions: Vec<MacroAction>,
}

#[derive(Deserialize)]
struct MacroRecord {
    name: String,
    actions: Vec<MacroAction>,
}

impl TryFrom<MacroRecord> for Macro {
    type Error = Error;
    fn try_from(r: MacroRecord) -> Result<Macro> {
        Macro::new(r.name, r.actions)
    }
}

/// The values a macro's templates read, besides the case itself.
///
/// ```
/// use hotcrm_support::case::MacroContext;
/// let ctx = MacroContext { contact_name: Some("Ann Lee".into()), ..MacroContext::default() };
/// assert_eq!(ctx.contact_name.as_deref(), Some("Ann Lee"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MacroContext {
    /// The case contact's name.
    pub contact_name: Option<String>,
    /// The account's name.
    pub account_name: Option<String>,
    /// The applying agent's name.
    pub agent_name: Option<String>,
}

impl Macro {
    /// A macro: a name (not blank, at most 4,000 characters) and 1–50
    /// actions whose templates are not blank and use only known placeholders.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming `name`, `actions` or `template`.
    ///
    /// ```
    /// use hotcrm_support::case::Macro;
    /// assert!(Macro::new("Empty", vec![]).is_err());
    /// ```
    pub fn new(name: impl Into<String>, actions: Vec<MacroAction>) -> Result<Macro> {
        let name = name.into();
        required_text("name", &name, MAX_SHORT_TEXT)?;
        if actions.is_empty() || actions.len() > 50 {
            return Err(Error::validation(
                "actions",
                format!("a macro has 1 to 50 actions, got {}", actions.len()),
            ));
        }
        for template in actions.iter().filter_map(MacroAction::template) {
            required_text("template", template, MAX_TEXT)?;
            parse(template)?;
        }
        Ok(Macro { name, actions })
    }

    /// The macro's name.
    ///
    /// ```
    /// # use hotcrm_support::case::{Macro, MacroAction};
    /// assert_eq!(Macro::new("Close", vec![MacroAction::Resolve("Done".into())])?.name(), "Close");
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its actions, in order.
    ///
    /// ```
    /// # use hotcrm_support::case::{Macro, MacroAction};
    /// assert_eq!(Macro::new("Wait", vec![MacroAction::WaitOnCustomer])?.actions().len(), 1);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn actions(&self) -> &[MacroAction] {
        &self.actions
    }

    /// The commands applying the macro to `case` by `agent` would run. A
    /// status step the case is already in, and a value it already has, are
    /// skipped (on a case already Resolved or Closed, a macro that resolves
    /// skips all its status steps), and comment ids derive
    /// from `run` (the first comment takes it), so applying the same run
    /// again changes nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when a rendered text exceeds its limit.
    ///
    /// ```
    /// use hotcrm_support::case::{Case, CaseCommand, CaseRules, Macro, MacroAction, MacroContext, NewCase};
    /// use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber, CommentId};
    /// let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 7)?, AccountId::from_u128(2), "Export fails", "d"), "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// let m = Macro::new("Ask", vec![MacroAction::Reply("Hi {{contact.first_name|there}}, about {{case.number}}…".into())])?;
    /// let ctx = MacroContext { contact_name: Some("Ann Lee".into()), ..Default::default() };
    /// let commands = m.commands(&case, &ctx, AgentId::from_u128(3), CommentId::from_u128(9))?;
    /// let CaseCommand::Comment(reply) = &commands[0] else { unreachable!() };
    /// assert_eq!(reply.body, "Hi Ann, about CASE-2026-0007…");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn commands(
        &self,
        case: &Case,
        context: &MacroContext,
        agent: AgentId,
        run: CommentId,
    ) -> Result<Vec<CaseCommand>> {
        let values = values(case, context);
        let mut status = case.status;
        // A macro that resolves, on a case already resolved or closed: its
        // status steps are done (a repeat of the run stays a no-op).
        let finished = matches!(status, CaseStatus::Resolved | CaseStatus::Closed)
            && self
                .actions
                .iter()
                .any(|a| matches!(a, MacroAction::Resolve(_)));
        let mut comments = 0u32;
        let mut next_id = || {
            let id = if comments == 0 {
                run
            } else {
                CommentId::from_u128(crate::ids::stable_hash(
                    "macro-comment",
                    &format!("{run}/{comments}"),
                ))
            };
            comments = comments.saturating_add(1);
            id
        };
        let mut out = Vec::new();
        for action in &self.actions {
            match action {
                MacroAction::WaitOnCustomer => {
                    if !finished && status != CaseStatus::WaitingOnCustomer {
                        out.push(CaseCommand::WaitOnCustomer);
                        status = CaseStatus::WaitingOnCustomer;
                    }
                }
                MacroAction::StartWork => {
                    if !finished && status != CaseStatus::InProgress {
                        out.push(CaseCommand::StartWork);
                        status = CaseStatus::InProgress;
                    }
                }
                MacroAction::Resolve(t) => {
                    if !matches!(status, CaseStatus::Resolved | CaseStatus::Closed) {
                        out.push(CaseCommand::Resolve(Resolution::new(render(t, &values)?)));
                        status = CaseStatus::Resolved;
                    }
                }
                // A value the case already has is skipped (a repeat stays a no-op).
                MacroAction::SetPriority(p) if *p != case.priority => {
                    out.push(CaseCommand::ChangePriority(*p))
                }
                MacroAction::SetType(t) if *t != case.case_type => {
                    out.push(CaseCommand::Edit(CaseEdit::Type(*t)))
                }
                MacroAction::SetCategory(c) if *c != case.category => {
                    out.push(CaseCommand::Edit(CaseEdit::Category(*c)))
                }
                MacroAction::MoveToQueue(q) if Some(*q) != case.queue => {
                    out.push(CaseCommand::MoveToQueue { queue: *q })
                }
                MacroAction::SetPriority(_)
                | MacroAction::SetType(_)
                | MacroAction::SetCategory(_)
                | MacroAction::MoveToQueue(_) => {}
                MacroAction::Reply(t) => out.push(CaseCommand::Comment(NewComment::public(
                    next_id(),
                    super::Author::Agent(agent),
                    render(t, &values)?,
                ))),
                MacroAction::Note(t) => out.push(CaseCommand::Comment(NewComment::internal(
                    next_id(),
                    agent,
                    render(t, &values)?,
                ))),
            }
        }
        Ok(out)
    }
}

fn first_name(name: &str) -> String {
    name.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn values(case: &Case, context: &MacroContext) -> BTreeMap<&'static str, String> {
    let mut v = BTreeMap::new();
    v.insert("case.number", case.number.to_string());
    v.insert("case.subject", case.subject.clone());
    v.insert("case.status", case.status.to_string());
    v.insert("case.priority", case.priority.to_string());
    v.insert("case.type", case.case_type.to_string());
    if let Some(n) = &context.contact_name {
        v.insert("contact.name", n.clone());
        v.insert("contact.first_name", first_name(n));
    }
    if let Some(n) = &context.account_name {
        v.insert("account.name", n.clone());
    }
    if let Some(n) = &context.agent_name {
        v.insert("agent.name", n.clone());
        v.insert("agent.first_name", first_name(n));
    }
    v.retain(|_, s| !s.trim().is_empty());
    v
}

/// A template's pieces: literal text, or a placeholder with its fallback.
enum Piece<'a> {
    Text(&'a str),
    Slot(&'a str, Option<&'a str>),
}

fn parse(template: &str) -> Result<Vec<Piece<'_>>> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let (text, after) = rest.split_at(open);
        pieces.push(Piece::Text(text));
        let inner = after.get(2..).unwrap_or_default();
        let Some(close) = inner.find("}}") else {
            return Err(Error::validation("template", "a `{{` is never closed"));
        };
        let (slot, tail) = inner.split_at(close);
        let (name, fallback) = match slot.split_once('|') {
            Some((n, f)) => (n.trim(), Some(f)),
            None => (slot.trim(), None),
        };
        if !PLACEHOLDERS.contains(&name) {
            return Err(Error::validation(
                "template",
                format!(
                    "unknown placeholder `{name}` (known: {})",
                    PLACEHOLDERS.join(", ")
                ),
            ));
        }
        pieces.push(Piece::Slot(name, fallback));
        rest = tail.get(2..).unwrap_or_default();
    }
    pieces.push(Piece::Text(rest));
    Ok(pieces)
}

fn render(template: &str, values: &BTreeMap<&'static str, String>) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    for piece in parse(template)? {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Slot(name, fallback) => match values.get(name) {
                Some(v) => out.push_str(v),
                None => out.push_str(fallback.unwrap_or_default()),
            },
        }
    }
    required_text("template", &out, MAX_TEXT)?;
    Ok(out)
}
