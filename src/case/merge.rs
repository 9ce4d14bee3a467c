//! Merging a duplicate case into another, and splitting a comment off into a
//! case of its own: the rules the desk runs inside one unit of work.

use super::{CaseEvent, CaseStatus, Decider};
use crate::error::Result;
use crate::ids::{CaseId, CaseNumber, CommentId};

impl Decider<'_> {
    /// The duplicate's side of a merge: its open milestones complete, it is
    /// closed (straight from any open status; no survey is asked) and records
    /// where it lives on. Merging it again into the same case is a no-op.
    pub(crate) fn merge_into(&self, into: CaseId, number: CaseNumber) -> Result<Vec<CaseEvent>> {
        if self.case.merged_into == Some(into) {
            return Ok(Vec::new());
        }
        self.not_closed("merge")?;
        let mut events = vec![CaseEvent::StatusChanged {
            at: self.now,
            by: self.by,
            from: self.case.status,
            to: CaseStatus::Closed,
        }];
        events.extend(self.complete_open_milestones()?);
        events.push(CaseEvent::MergedInto {
            at: self.now,
            by: self.by,
            into,
            number,
        });
        self.push_closing(&mut events);
        Ok(events)
    }

    /// The surviving case's side of a merge: the duplicate's comments (not
    /// deleted, ids not already here) are copied over.
    pub(crate) fn absorb(&self, duplicate: &super::Case) -> Result<Vec<CaseEvent>> {
        self.not_closed("merge")?;
        let comments = duplicate
            .comments
            .iter()
            .filter(|c| !c.is_deleted() && self.case.comments.iter().all(|m| m.id != c.id))
            .cloned()
            .collect();
        Ok(vec![CaseEvent::Merged {
            at: self.now,
            by: self.by,
            from: duplicate.id,
            number: duplicate.number,
            comments,
        }])
    }

    /// The original's side of a split: the comment is left out of its readers.
    pub(crate) fn split_off(&self, comment: CommentId, into: CaseId) -> Result<Vec<CaseEvent>> {
        self.not_closed("split comment")?;
        let Some(stored) = self.case.comments.iter().find(|c| c.id == comment) else {
            return Err(crate::Error::NotFound {
                kind: "comment",
                id: comment.to_string(),
            });
        };
        if stored.is_deleted() {
            return Err(self.not_allowed("split comment", "the comment was deleted or split"));
        }
        Ok(vec![CaseEvent::CommentSplit {
            at: self.now,
            by: self.by,
            comment,
            into,
        }])
    }
}
