//! The kinds of activity line (a `message_type` 2 message): what happened to a
//! conversation. Closed, so every kind has its text in every language
//! (the `i18n` crate's tests check it); clients translate by the kind stored in
//! the line's `content_attributes.activity`, never by its English text.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    /// An agent closed (resolved) the conversation.
    Resolved,
    Reopened,
    Pending,
    Snoozed,
    /// The snooze time came; the conversation is open again.
    SnoozeEnded,
    /// The visitor ended the chat from the widget.
    ResolvedByVisitor,
    /// The visitor wrote into a closed conversation.
    ReopenedByVisitor,
    SelfAssigned,
    Assigned,
    Unassigned,
    /// What a visitor reads when a person takes the conversation ("Ben
    /// joined the chat"): written beside the assignment line, which only the
    /// team sees.
    Joined,
    /// An administrator removed the assignee from the account.
    AssigneeRemoved,
    /// The visitor wrote into a closed conversation that could not open again
    /// (another is open, `lock_to_single_conversation`): the message went into
    /// the open one, and this line there names the closed one.
    MovedFromClosed,
    /// An agent gave the conversation to a team (`assignee` holds its name).
    TeamAssigned,
    TeamUnassigned,
    /// An agent took the conversation from the bot handling it.
    TookOver,
    /// Automatic assignment gave it to an agent.
    AutoAssigned,
    /// An agent put labels on it (`assignee` holds their titles, comma-joined).
    LabelsAdded,
    LabelsRemoved,
}

impl ActivityKind {
    pub const ALL: &'static [ActivityKind] = &[
        ActivityKind::Resolved,
        ActivityKind::Reopened,
        ActivityKind::Pending,
        ActivityKind::Snoozed,
        ActivityKind::SnoozeEnded,
        ActivityKind::ResolvedByVisitor,
        ActivityKind::ReopenedByVisitor,
        ActivityKind::SelfAssigned,
        ActivityKind::Assigned,
        ActivityKind::Unassigned,
        ActivityKind::Joined,
        ActivityKind::AssigneeRemoved,
        ActivityKind::MovedFromClosed,
        ActivityKind::TeamAssigned,
        ActivityKind::TeamUnassigned,
        ActivityKind::TookOver,
        ActivityKind::AutoAssigned,
        ActivityKind::LabelsAdded,
        ActivityKind::LabelsRemoved,
    ];

    /// The stored name (`content_attributes.activity`) and the catalogue key's tail.
    pub fn name(self) -> &'static str {
        match self {
            ActivityKind::Resolved => "resolved",
            ActivityKind::Reopened => "reopened",
            ActivityKind::Pending => "pending",
            ActivityKind::Snoozed => "snoozed",
            ActivityKind::SnoozeEnded => "snooze_ended",
            ActivityKind::ResolvedByVisitor => "resolved_by_visitor",
            ActivityKind::ReopenedByVisitor => "reopened_by_visitor",
            ActivityKind::SelfAssigned => "self_assigned",
            ActivityKind::Assigned => "assigned",
            ActivityKind::Unassigned => "unassigned",
            ActivityKind::Joined => "joined",
            ActivityKind::AssigneeRemoved => "assignee_removed",
            ActivityKind::MovedFromClosed => "moved_from_closed",
            ActivityKind::TeamAssigned => "team_assigned",
            ActivityKind::TeamUnassigned => "team_unassigned",
            ActivityKind::TookOver => "took_over",
            ActivityKind::AutoAssigned => "auto_assigned",
            ActivityKind::LabelsAdded => "labels_added",
            ActivityKind::LabelsRemoved => "labels_removed",
        }
    }

    /// Whether the visitor sees this line. Housekeeping (status, snoozes,
    /// assignment) is the team's: such lines are stored as private, so every
    /// visitor path leaves them out as it leaves out internal comments. The
    /// visitor reads who joined the chat, and sees the chat end by its status.
    pub fn visitor_sees(self) -> bool {
        matches!(self, ActivityKind::Joined)
    }

    pub fn parse(s: &str) -> Option<ActivityKind> {
        Self::ALL.iter().copied().find(|k| k.name() == s)
    }

    /// The key of its text in the language catalogue.
    pub fn key(self) -> String {
        format!("activity.{}", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for k in ActivityKind::ALL {
            assert!(seen.insert(k.name()), "{k:?} repeats a name");
            assert_eq!(ActivityKind::parse(k.name()), Some(*k));
        }
        assert_eq!(ActivityKind::parse("closed"), None);
    }
}
