//! A realistic support knowledge base for ranking tests and benchmarks: 50 support
//! topics (password reset, SSO, 2FA, billing, invoices, API rate limits, webhooks,
//! exports, the mobile app, ...), each written up as a how-to, a troubleshooting
//! guide, an FAQ and a best-practices article (200 articles). `large_corpus(n)`
//! derives `n` articles from the same material for benchmarks.
//!
//! Shared by `tests/it` and `benches/knowledge.rs` (included by path).
#![allow(dead_code, unreachable_pub)]

use chrono::{DateTime, Utc};
use hotcrm_support::ids::{AgentId, ArticleId, ProductId};
use hotcrm_support::knowledge::{
    ArticleCategory, ArticleDraft, KnowledgeBase, PortalTier, Visibility,
};

/// One support topic and the material its articles are written from.
pub struct Topic {
    pub key: &'static str,
    pub title: &'static str,
    pub short: &'static str,
    pub summary: &'static str,
    pub tags: &'static [&'static str],
    pub steps: &'static [&'static str],
    /// (symptom, fix)
    pub problems: &'static [(&'static str, &'static str)],
    pub tips: &'static [&'static str],
}

pub const TOPICS: &[Topic] = &[
    Topic {
        key: "password-reset",
        title: "How to reset your password",
        short: "password resets",
        summary: "Reset a forgotten password from the sign-in page with an emailed link.",
        tags: &["password", "login", "account"],
        steps: &[
            "Go to the sign-in page and click **Forgot password?** below the form.",
            "Enter the email address you use to sign in.",
            "Open the reset email we send you within five minutes and click the link.",
            "Choose a new password with at least 12 characters, one number and one symbol.",
        ],
        problems: &[
            (
                "The reset email never arrives",
                "check your spam or junk folder and make sure the address matches your account.",
            ),
            (
                "The reset link says it has expired",
                "links are valid for 24 hours; request a new one from the sign-in page.",
            ),
            (
                "You still cannot sign in after resetting",
                "your account may be locked after too many attempts; wait 15 minutes or ask an admin to unlock it.",
            ),
        ],
        tips: &[
            "Use a password manager so you never have to remember it.",
            "Admins can force a reset for a user from the Users page.",
        ],
    },
    Topic {
        key: "login-issues",
        title: "Fix problems signing in to your account",
        short: "sign-in problems",
        summary: "What to check when you can't log in: credentials, locked accounts, browser issues.",
        tags: &["login", "sign in", "access"],
        steps: &[
            "Make sure Caps Lock is off and you are using the right email address.",
            "Clear your browser cache and cookies, then try a private window.",
            "If your company uses single sign-on, sign in through your identity provider instead.",
            "Ask your administrator whether your account is active.",
        ],
        problems: &[
            (
                "You see 'Invalid credentials'",
                "reset your password; the old one may have expired under your company's 90-day policy.",
            ),
            (
                "You are logged out every few minutes",
                "allow third-party cookies for our domain or disable aggressive privacy extensions.",
            ),
            (
                "Your account is locked",
                "wait 15 minutes after five failed attempts or ask an admin to unlock it.",
            ),
        ],
        tips: &[
            "Bookmark the sign-in page of your own workspace URL.",
            "Keep your recovery email up to date.",
        ],
    },
    Topic {
        key: "2fa-setup",
        title: "Turn on two-factor authentication",
        short: "two-factor authentication",
        summary: "Protect your account with an authenticator app code in addition to your password.",
        tags: &["2fa", "security", "mfa"],
        steps: &[
            "Open **Profile > Security** and click **Enable two-factor authentication**.",
            "Scan the QR code with an authenticator app such as Google Authenticator or 1Password.",
            "Enter the six-digit code the app shows to confirm.",
            "Download and store your backup codes somewhere safe.",
        ],
        problems: &[
            (
                "Codes from the authenticator app are rejected",
                "the clock on your phone is probably off; enable automatic time sync and try again.",
            ),
            (
                "You lost the phone with your authenticator",
                "sign in with one of your backup codes, then set up 2FA again on the new phone.",
            ),
            (
                "You have no backup codes left",
                "an administrator can reset two-factor authentication for your account after verifying your identity.",
            ),
        ],
        tips: &[
            "Admins can require 2FA for the whole workspace.",
            "Prefer an authenticator app over SMS codes.",
        ],
    },
    Topic {
        key: "sso-saml",
        title: "Configure SAML single sign-on",
        short: "SAML single sign-on",
        summary: "Connect Okta, Azure AD or another identity provider so users sign in with SSO.",
        tags: &["sso", "saml", "okta", "azure ad"],
        steps: &[
            "In **Settings > Security > Single sign-on**, copy the ACS URL and entity ID.",
            "Create a SAML application in your identity provider (Okta, Azure AD, Google Workspace) with those values.",
            "Upload the identity provider metadata XML or paste its SSO URL and certificate.",
            "Test the connection with one user, then enforce SSO for everyone.",
        ],
        problems: &[
            (
                "Users see 'SAML response signature invalid'",
                "the certificate changed in your identity provider; upload the new certificate.",
            ),
            (
                "Users land on an error page after the identity provider",
                "the NameID must be the user's email address; fix the attribute mapping.",
            ),
            (
                "New employees cannot sign in",
                "assign them to the SAML application in your identity provider or enable just-in-time provisioning.",
            ),
        ],
        tips: &[
            "Keep one admin account that can sign in with a password in case SSO breaks.",
            "Use SCIM provisioning to remove leavers automatically.",
        ],
    },
    Topic {
        key: "invoices",
        title: "Download your invoices",
        short: "invoices",
        summary: "Find, download and email invoices as PDF from the Billing page.",
        tags: &["billing", "invoice", "pdf"],
        steps: &[
            "Open **Settings > Billing > Invoices**.",
            "Pick the month; every invoice is listed with its number and amount.",
            "Click **Download PDF** or **Send by email** to forward it to your accounts team.",
            "To change the company name or address printed on invoices, edit the billing details.",
        ],
        problems: &[
            (
                "An invoice is missing for a month",
                "invoices are issued on the renewal date, not the first of the month.",
            ),
            (
                "The VAT number is missing on the invoice",
                "add your VAT ID under billing details; it appears on all future invoices.",
            ),
            (
                "Only the account owner can see invoices",
                "grant the Billing admin role to your finance colleagues.",
            ),
        ],
        tips: &[
            "Add an invoice email so finance receives every invoice automatically.",
            "Invoices can be reissued with corrected details within 30 days.",
        ],
    },
    Topic {
        key: "refunds",
        title: "Request a refund for a duplicate charge",
        short: "refunds and duplicate charges",
        summary: "What to do when you were charged twice or want money back.",
        tags: &["billing", "refund", "charge"],
        steps: &[
            "Compare the charges on your card statement with the invoices under **Billing > Invoices**.",
            "A pending authorisation often disappears within five business days without action.",
            "If you were really billed twice, open a billing case with both invoice numbers.",
            "Refunds go back to the original payment method within 5–10 business days.",
        ],
        problems: &[
            (
                "You were charged twice in the same month",
                "one charge is usually a card authorisation; if both settle, we refund the duplicate.",
            ),
            (
                "You were charged after cancelling",
                "cancellation takes effect at the end of the billing period; contact billing for a prorated refund.",
            ),
            (
                "The refund has not arrived",
                "banks take up to 10 business days; ask us for the refund reference.",
            ),
        ],
        tips: &[
            "Annual plans can be refunded pro rata within 30 days.",
            "Keep invoice numbers handy when contacting billing.",
        ],
    },
    Topic {
        key: "payment-method",
        title: "Update your credit card or payment method",
        short: "payment methods",
        summary: "Change the card or bank account your subscription is billed to.",
        tags: &["billing", "credit card", "payment"],
        steps: &[
            "Open **Settings > Billing > Payment method**.",
            "Click **Replace card** and enter the new card number, expiry date and CVC.",
            "Confirm with your bank if 3-D Secure asks you to.",
            "Failed payments are retried automatically on the new card within a day.",
        ],
        problems: &[
            (
                "The card is declined",
                "your bank may block foreign transactions; ask it to allow payments to us.",
            ),
            (
                "A payment failed and the workspace shows a warning",
                "update the card; the outstanding invoice is retried automatically.",
            ),
            (
                "You want to pay by bank transfer",
                "annual plans over 20 seats can be invoiced; contact sales.",
            ),
        ],
        tips: &[
            "Use a company card that does not expire soon.",
            "Add a backup payment method to avoid interruptions.",
        ],
    },
    Topic {
        key: "subscription-plan",
        title: "Change your subscription plan",
        short: "subscription plans",
        summary: "Upgrade, downgrade or switch between monthly and annual billing.",
        tags: &["billing", "plan", "subscription"],
        steps: &[
            "Open **Settings > Billing > Plan** and click **Change plan**.",
            "Compare plans and choose monthly or annual billing.",
            "Upgrades take effect immediately and are prorated.",
            "Downgrades take effect at the next renewal date.",
        ],
        problems: &[
            (
                "You cannot downgrade",
                "remove features or seats the smaller plan does not include first.",
            ),
            (
                "The price shown differs from the website",
                "prices exclude VAT or sales tax, which is added at checkout.",
            ),
            (
                "You want to cancel",
                "choose Cancel subscription; your data stays available until the end of the period.",
            ),
        ],
        tips: &[
            "Annual billing saves two months.",
            "Review seat usage before each renewal.",
        ],
    },
    Topic {
        key: "seats-licenses",
        title: "Add or remove user seats",
        short: "user seats and licenses",
        summary: "Buy more seats for new users or release seats you no longer need.",
        tags: &["billing", "seats", "license"],
        steps: &[
            "Open **Settings > Billing > Seats**.",
            "Enter the new number of seats and confirm the prorated price.",
            "Deactivated users free their seat immediately.",
            "Seat reductions apply at the next renewal.",
        ],
        problems: &[
            (
                "You cannot invite a new user",
                "all seats are in use; add a seat or deactivate someone.",
            ),
            (
                "Seat count does not match active users",
                "pending invitations also use a seat until they expire.",
            ),
            (
                "You were billed for seats you removed",
                "reductions apply at renewal, not immediately.",
            ),
        ],
        tips: &[
            "Deactivate leavers the day they go.",
            "Check pending invitations monthly.",
        ],
    },
    Topic {
        key: "api-rate-limits",
        title: "API rate limits and how to handle 429 responses",
        short: "API rate limits",
        summary: "Each API token may send 100 requests per minute; back off when you get HTTP 429 Too Many Requests.",
        tags: &["api", "rate limit", "429"],
        steps: &[
            "Read the `X-RateLimit-Remaining` and `X-RateLimit-Reset` headers on every response.",
            "When you receive HTTP 429 Too Many Requests, wait for the number of seconds in `Retry-After`.",
            "Retry with exponential backoff and jitter instead of immediately.",
            "Batch writes with the bulk endpoints to use fewer requests.",
        ],
        problems: &[
            (
                "Your integration gets 429 errors at night",
                "scheduled jobs share the same token; spread them out or use separate tokens.",
            ),
            (
                "Requests are throttled even at low volume",
                "the limit is per workspace as well as per token; check other integrations.",
            ),
            (
                "You need a higher limit",
                "Enterprise plans can raise the quota; contact your account manager.",
            ),
        ],
        tips: &[
            "Cache read responses for a few minutes.",
            "Use webhooks instead of polling for changes.",
        ],
    },
    Topic {
        key: "api-keys",
        title: "Create and rotate API tokens",
        short: "API tokens",
        summary: "Generate personal or service API keys and rotate them safely.",
        tags: &["api", "token", "api key"],
        steps: &[
            "Open **Settings > API > Tokens** and click **Generate token**.",
            "Name the token after the integration that will use it and choose its scopes.",
            "Copy the token now; it is shown only once.",
            "To rotate, generate a new token, update the integration, then revoke the old one.",
        ],
        problems: &[
            (
                "Requests return 401 Unauthorized",
                "the token was revoked or mistyped; send it as a Bearer token in the Authorization header.",
            ),
            (
                "Requests return 403 Forbidden",
                "the token lacks the scope for this endpoint; create one with the right scopes.",
            ),
            (
                "A token leaked in a public repository",
                "revoke it immediately and review the audit log.",
            ),
        ],
        tips: &[
            "Use service tokens for integrations, not personal ones.",
            "Rotate tokens every 90 days.",
        ],
    },
    Topic {
        key: "webhooks",
        title: "Set up webhooks for real-time events",
        short: "webhooks",
        summary: "Receive an HTTP POST at your endpoint when records change; verify signatures and handle retries.",
        tags: &["webhook", "api", "events"],
        steps: &[
            "Open **Settings > API > Webhooks** and click **Add endpoint**.",
            "Enter your HTTPS endpoint URL and pick the events to subscribe to.",
            "Verify each delivery with the `X-Signature` HMAC header and your signing secret.",
            "Respond with 2xx within 10 seconds; process the payload asynchronously.",
        ],
        problems: &[
            (
                "Webhook deliveries are not arriving",
                "check the delivery log; your endpoint must be public HTTPS with a valid certificate.",
            ),
            (
                "Events arrive twice",
                "deliveries are retried on timeouts; make your handler idempotent using the event id.",
            ),
            (
                "The endpoint was disabled",
                "after 3 days of failures we disable it; fix the endpoint and re-enable it.",
            ),
        ],
        tips: &[
            "Use the Send test event button while developing.",
            "Store the event id to ignore duplicates.",
        ],
    },
    Topic {
        key: "data-export",
        title: "Export your data to CSV or Excel",
        short: "data exports",
        summary: "Download contacts, accounts, cases or any list view as a CSV or Excel spreadsheet.",
        tags: &["export", "csv", "excel"],
        steps: &[
            "Open the list view you want, for example Contacts, and apply filters.",
            "Click **Export** and choose CSV or Excel (XLSX).",
            "Large exports run in the background; we email you a download link.",
            "Download links expire after 7 days.",
        ],
        problems: &[
            (
                "Special characters look garbled in Excel",
                "open the CSV with UTF-8 encoding or choose the XLSX format.",
            ),
            (
                "The export is missing columns",
                "only visible columns are exported; add them to the list view first.",
            ),
            (
                "You cannot see the Export button",
                "exports require the Export data permission.",
            ),
        ],
        tips: &[
            "Schedule a weekly export for backups.",
            "Use the API for exports over one million rows.",
        ],
    },
    Topic {
        key: "data-import",
        title: "Import contacts and accounts from a CSV file",
        short: "data imports",
        summary: "Bring customers, contacts and accounts in from a spreadsheet with field mapping and duplicate checks.",
        tags: &["import", "csv", "migration"],
        steps: &[
            "Open **Settings > Data > Import** and upload your CSV file.",
            "Map each column to a field; unmapped columns are skipped.",
            "Choose how to handle duplicates: skip, update or create new.",
            "Review the preview and start the import; you get an email with the results.",
        ],
        problems: &[
            (
                "Rows fail with 'invalid date'",
                "use ISO dates such as 2026-01-31.",
            ),
            (
                "Duplicates were created",
                "match on email address or external id when importing.",
            ),
            (
                "The file is rejected",
                "files must be UTF-8 CSV under 50 MB; split larger files.",
            ),
        ],
        tips: &[
            "Import a small test file first.",
            "Keep an external id column to update records later.",
        ],
    },
    Topic {
        key: "mobile-app-crash",
        title: "Mobile app crashes or freezes",
        short: "mobile app crashes",
        summary: "Fix the iOS or Android app closing unexpectedly or hanging on start.",
        tags: &["mobile", "ios", "android", "crash"],
        steps: &[
            "Update the app to the latest version from the App Store or Google Play.",
            "Restart your phone to free memory.",
            "Sign out and sign in again to refresh cached data.",
            "If it still crashes, reinstall the app; your data lives in the cloud.",
        ],
        problems: &[
            (
                "The app crashes on start on iPhone",
                "iOS 15 and older are not supported; update iOS.",
            ),
            (
                "The Android app freezes when opening a record",
                "clear the app cache in Android settings.",
            ),
            (
                "The app closes when uploading photos",
                "grant photo and camera permissions in system settings.",
            ),
        ],
        tips: &[
            "Turn on automatic app updates.",
            "Send diagnostics from Settings > About when reporting a crash.",
        ],
    },
    Topic {
        key: "mobile-offline",
        title: "Work offline in the mobile app",
        short: "offline mode",
        summary: "Use the iOS and Android app without a connection and sync changes later.",
        tags: &["mobile", "offline", "sync"],
        steps: &[
            "Open the mobile app and go to **Settings > Offline**.",
            "Choose which lists to keep available offline.",
            "Changes made offline are queued and synced when you reconnect.",
            "Conflicts are shown in the Sync center for you to resolve.",
        ],
        problems: &[
            (
                "Offline changes did not sync",
                "open the Sync center and retry; a field may fail validation.",
            ),
            (
                "The app uses a lot of storage",
                "reduce the number of offline lists.",
            ),
            (
                "Offline mode is greyed out",
                "your administrator has disabled offline access.",
            ),
        ],
        tips: &["Sync before travelling.", "Keep offline lists small."],
    },
    Topic {
        key: "push-notifications",
        title: "Turn on push notifications on your phone",
        short: "push notifications",
        summary: "Get mobile alerts for new cases, mentions and assignments.",
        tags: &["mobile", "notifications", "push"],
        steps: &[
            "Allow notifications for the app in your phone's system settings.",
            "In the app, open **Settings > Notifications** and choose the events.",
            "Set quiet hours if you do not want alerts at night.",
            "Send a test notification to check delivery.",
        ],
        problems: &[
            (
                "You receive no push notifications",
                "battery saver modes on Android block background apps; exclude our app.",
            ),
            (
                "Notifications arrive late",
                "low-power mode delays them; keep the app signed in.",
            ),
            (
                "You get notifications twice",
                "you are signed in on two devices; sign out of the old one.",
            ),
        ],
        tips: &[
            "Only subscribe to events you act on.",
            "Use quiet hours on weekends.",
        ],
    },
    Topic {
        key: "email-notifications",
        title: "Manage email notifications",
        short: "email notifications",
        summary: "Choose which emails you receive and fix notification emails going to spam.",
        tags: &["email", "notifications"],
        steps: &[
            "Open **Profile > Notifications > Email**.",
            "Switch each notification type on or off, or choose a daily digest.",
            "Add our sending domain to your allow list so mail is not filtered.",
            "Click **Send test email** to confirm delivery.",
        ],
        problems: &[
            (
                "Notification emails are not arriving",
                "check spam and quarantine; ask IT to allow our sending domain.",
            ),
            ("You get too many emails", "switch to the daily digest."),
            (
                "Unsubscribe links do not work for system emails",
                "security emails cannot be turned off.",
            ),
        ],
        tips: &[
            "Use the digest for low-priority updates.",
            "Keep security emails on.",
        ],
    },
    Topic {
        key: "email-to-case",
        title: "Set up email-to-case forwarding",
        short: "email-to-case",
        summary: "Turn emails sent to your support address into cases automatically.",
        tags: &["email", "cases", "forwarding"],
        steps: &[
            "Open **Settings > Channels > Email** and copy your forwarding address.",
            "In your mail server, forward support@yourcompany.com to that address.",
            "Verify the forwarding with the confirmation email.",
            "Choose the default queue and priority for new email cases.",
        ],
        problems: &[
            (
                "Emails do not create cases",
                "check that forwarding keeps the original sender and is not blocked by SPF.",
            ),
            (
                "Replies create new cases instead of comments",
                "keep the case reference in the subject line.",
            ),
            (
                "Auto-replies create loops",
                "enable loop protection in the email channel settings.",
            ),
        ],
        tips: &[
            "Set up SPF and DKIM for your domain.",
            "Use separate addresses per product.",
        ],
    },
    Topic {
        key: "invite-users",
        title: "Invite new users to your workspace",
        short: "user invitations",
        summary: "Add colleagues, resend invitations and set their role on joining.",
        tags: &["users", "invite", "team"],
        steps: &[
            "Open **Settings > Users** and click **Invite users**.",
            "Enter one or more email addresses and choose a role.",
            "Invitations are valid for 14 days; resend them from the Pending tab.",
            "New users appear as active once they accept.",
        ],
        problems: &[
            (
                "The invitation email never arrives",
                "check spam and resend; corporate filters may hold it.",
            ),
            (
                "The invitation link has expired",
                "resend the invitation from the Pending tab.",
            ),
            (
                "You cannot invite anyone",
                "you need the Admin role and a free seat.",
            ),
        ],
        tips: &[
            "Use SSO with just-in-time provisioning for large teams.",
            "Assign the least-privileged role first.",
        ],
    },
    Topic {
        key: "roles-permissions",
        title: "Roles and permissions explained",
        short: "roles and permissions",
        summary: "Control what each user can see and do with roles and permission sets.",
        tags: &["permissions", "roles", "admin"],
        steps: &[
            "Open **Settings > Roles** to see the built-in roles: Admin, Manager, Agent and Viewer.",
            "Create a custom role by copying a built-in one.",
            "Toggle permissions such as Export data, Delete records and Manage billing.",
            "Assign the role to users from their profile.",
        ],
        problems: &[
            (
                "A user sees records they should not",
                "check record sharing rules as well as the role.",
            ),
            (
                "A user cannot edit a field",
                "field-level security may hide or lock it.",
            ),
            (
                "You locked yourself out of settings",
                "another admin must restore your Admin role.",
            ),
        ],
        tips: &[
            "Review admin accounts every quarter.",
            "Prefer custom roles to giving everyone Admin.",
        ],
    },
    Topic {
        key: "deactivate-user",
        title: "Deactivate a user who left the company",
        short: "deactivating users",
        summary: "Remove access for a leaver and reassign their records.",
        tags: &["users", "offboarding", "deactivate"],
        steps: &[
            "Open **Settings > Users** and select the user.",
            "Click **Deactivate**; they are signed out everywhere immediately.",
            "Reassign their open cases and records to a colleague.",
            "Their seat becomes free for a new user.",
        ],
        problems: &[
            (
                "The user can still sign in through SSO",
                "remove them from the SAML application in your identity provider too.",
            ),
            (
                "Records still show the old owner",
                "use bulk reassign from the user's page.",
            ),
            (
                "You cannot deactivate the account owner",
                "transfer ownership first.",
            ),
        ],
        tips: &[
            "Use SCIM to deactivate leavers automatically.",
            "Export the leaver's data first if you need it.",
        ],
    },
    Topic {
        key: "gdpr-deletion",
        title: "Delete personal data for a GDPR request",
        short: "GDPR data deletion",
        summary: "Erase a contact's personal data on request and keep proof of deletion.",
        tags: &["gdpr", "privacy", "deletion"],
        steps: &[
            "Search for the contact and open **Privacy > Erase personal data**.",
            "Review the linked records that will be anonymised.",
            "Confirm; the data is erased within 24 hours, backups within 30 days.",
            "Download the deletion certificate for your records.",
        ],
        problems: &[
            (
                "The contact reappears after deletion",
                "an integration re-created it; pause the sync first.",
            ),
            (
                "You cannot find the Erase option",
                "only users with the Privacy officer permission can erase data.",
            ),
            (
                "You need to export the data first",
                "use Privacy > Export personal data for subject access requests.",
            ),
        ],
        tips: &[
            "Document every request in a case.",
            "Set retention policies to delete old data automatically.",
        ],
    },
    Topic {
        key: "data-retention",
        title: "Configure data retention policies",
        short: "data retention",
        summary: "Automatically delete or archive old cases, emails and attachments.",
        tags: &["privacy", "retention", "compliance"],
        steps: &[
            "Open **Settings > Data > Retention**.",
            "Choose a record type and how long to keep it.",
            "Choose delete or archive when the period ends.",
            "Preview affected records before activating the policy.",
        ],
        problems: &[
            (
                "Records were deleted too early",
                "policies count from the last modification date, not creation.",
            ),
            (
                "The policy did not run",
                "policies run nightly at 02:00 UTC.",
            ),
            (
                "Legal hold records were affected",
                "mark them with a legal hold to exclude them.",
            ),
        ],
        tips: &[
            "Align retention with your legal team.",
            "Start with archive rather than delete.",
        ],
    },
    Topic {
        key: "slack-integration",
        title: "Connect Slack to get case alerts in channels",
        short: "the Slack integration",
        summary: "Post new cases and escalations to Slack channels and reply from Slack.",
        tags: &["slack", "integration", "notifications"],
        steps: &[
            "Open **Settings > Integrations > Slack** and click **Connect**.",
            "Approve the app in your Slack workspace.",
            "Map queues to Slack channels.",
            "Choose which events post messages: new case, escalation, SLA warning.",
        ],
        problems: &[
            (
                "Messages stopped posting",
                "the Slack app was removed or the channel archived; reconnect.",
            ),
            (
                "Private channels are not listed",
                "invite the app to the private channel first.",
            ),
            (
                "Replies from Slack do not appear on the case",
                "link your Slack user to your account in your profile.",
            ),
        ],
        tips: &[
            "Use one channel per queue.",
            "Only post escalations to busy channels.",
        ],
    },
    Topic {
        key: "calendar-sync",
        title: "Sync your Google or Outlook calendar",
        short: "calendar sync",
        summary: "Two-way sync of meetings and events with Google Calendar or Microsoft Outlook.",
        tags: &["calendar", "google", "outlook", "sync"],
        steps: &[
            "Open **Profile > Calendar** and choose Google or Outlook.",
            "Sign in and grant calendar access.",
            "Choose which calendars to sync and the sync direction.",
            "Events appear within five minutes.",
        ],
        problems: &[
            (
                "Events are not syncing",
                "reconnect the calendar; the access token expires when you change your password.",
            ),
            (
                "Events are duplicated",
                "two users synced the same shared calendar; sync it only once.",
            ),
            (
                "Time zones are wrong",
                "set your time zone in your profile to match your calendar.",
            ),
        ],
        tips: &[
            "Sync only your work calendar.",
            "Reconnect after password changes.",
        ],
    },
    Topic {
        key: "salesforce-sync",
        title: "Sync accounts and contacts with Salesforce",
        short: "the Salesforce integration",
        summary: "Keep accounts, contacts and cases in sync with Salesforce.",
        tags: &["salesforce", "integration", "sync"],
        steps: &[
            "Open **Settings > Integrations > Salesforce** and sign in with an admin user.",
            "Choose the objects and the sync direction for each.",
            "Map custom fields.",
            "Run the initial sync; later changes sync every 15 minutes.",
        ],
        problems: &[
            (
                "Sync errors mention 'REQUIRED_FIELD_MISSING'",
                "map every required Salesforce field.",
            ),
            (
                "The sync stopped",
                "the Salesforce user lost API access or its password changed.",
            ),
            (
                "Duplicates appear",
                "match records on email or Salesforce id.",
            ),
        ],
        tips: &[
            "Use a dedicated integration user.",
            "Test in a Salesforce sandbox first.",
        ],
    },
    Topic {
        key: "zapier",
        title: "Automate workflows with Zapier",
        short: "Zapier automations",
        summary: "Connect to 5,000 apps with Zapier triggers and actions.",
        tags: &["zapier", "integration", "automation"],
        steps: &[
            "In Zapier, search for our app and choose a trigger such as New case.",
            "Connect your account with an API token.",
            "Add actions in other apps, for example create a Trello card.",
            "Turn the Zap on and watch the task history.",
        ],
        problems: &[
            (
                "The Zap does not trigger",
                "triggers poll every 15 minutes on free Zapier plans.",
            ),
            (
                "Zapier shows 401 errors",
                "the API token was revoked; reconnect the account.",
            ),
            (
                "Fields are empty in Zapier",
                "refresh the sample data after adding custom fields.",
            ),
        ],
        tips: &[
            "Use webhooks for instant triggers.",
            "Name Zaps after their purpose.",
        ],
    },
    Topic {
        key: "slow-performance",
        title: "Pages load slowly",
        short: "slow performance",
        summary: "Speed up list views, dashboards and record pages that take long to load.",
        tags: &["performance", "slow", "browser"],
        steps: &[
            "Check our status page for ongoing incidents.",
            "Use a supported browser and disable heavy extensions.",
            "Reduce the number of columns and filters on large list views.",
            "Archive old records you no longer need.",
        ],
        problems: &[
            (
                "Dashboards time out",
                "limit the date range or use summary tables.",
            ),
            (
                "Everything is slow from one office",
                "your proxy or VPN may inspect traffic; allow our domain.",
            ),
            ("Search is slow", "avoid leading wildcards in search terms."),
        ],
        tips: &[
            "Keep list views under 50 columns.",
            "Report slowness with a HAR file.",
        ],
    },
    Topic {
        key: "status-outage",
        title: "Check service status during an outage",
        short: "service outages",
        summary: "Find out whether the service is down and get incident updates.",
        tags: &["status", "outage", "incident"],
        steps: &[
            "Visit the status page to see current incidents and maintenance.",
            "Subscribe to updates by email or SMS.",
            "Follow the incident timeline for the expected resolution time.",
            "Read the post-incident report published within five business days.",
        ],
        problems: &[
            (
                "The site is down but the status page is green",
                "the problem may be local; try another network and report it.",
            ),
            (
                "You missed maintenance notifications",
                "subscribe to the status page.",
            ),
            (
                "You need an SLA credit",
                "request it within 30 days of the incident.",
            ),
        ],
        tips: &[
            "Subscribe your on-call rotation to the status page.",
            "Plan around announced maintenance windows.",
        ],
    },
    Topic {
        key: "dashboards",
        title: "Build a dashboard with charts",
        short: "dashboards",
        summary: "Create dashboards with charts, KPIs and filters from your reports.",
        tags: &["dashboard", "reporting", "charts"],
        steps: &[
            "Open **Analytics > Dashboards** and click **New dashboard**.",
            "Add a widget and choose a report as its source.",
            "Pick a chart type: bar, line, pie or KPI number.",
            "Share the dashboard with a team or schedule it by email.",
        ],
        problems: &[
            (
                "A chart shows no data",
                "the underlying report's filters exclude everything; widen the date range.",
            ),
            (
                "Colleagues cannot see the dashboard",
                "share it and give them access to the source reports.",
            ),
            (
                "Numbers differ from the list view",
                "reports use the report owner's visibility.",
            ),
        ],
        tips: &[
            "Keep dashboards under 12 widgets.",
            "Use dashboard filters instead of copies.",
        ],
    },
    Topic {
        key: "reports",
        title: "Create a custom report",
        short: "custom reports",
        summary: "Group, filter and summarise records in tabular, summary and matrix reports.",
        tags: &["reports", "analytics"],
        steps: &[
            "Open **Analytics > Reports** and click **New report**.",
            "Choose the record type, such as Cases or Accounts.",
            "Add filters, groupings and summary fields like count or average.",
            "Save the report in a folder shared with your team.",
        ],
        problems: &[
            (
                "A field is missing from the report builder",
                "field-level security hides it from you.",
            ),
            (
                "The report shows too many rows",
                "add a filter; reports show at most 2,000 rows.",
            ),
            (
                "Scheduled reports are not delivered",
                "check the recipients' email notifications.",
            ),
        ],
        tips: &[
            "Name reports with their audience.",
            "Reuse reports across dashboards.",
        ],
    },
    Topic {
        key: "sla-policies",
        title: "Set up SLA policies for response times",
        short: "SLA policies",
        summary: "Define first-response and resolution targets by customer tier and priority.",
        tags: &["sla", "support", "cases"],
        steps: &[
            "Open **Settings > Support > SLA policies**.",
            "Choose the tiers: Platinum, Gold, Silver, Bronze and Standard.",
            "Set first-response and resolution targets per priority.",
            "Pick the business hours calendar each tier uses.",
        ],
        problems: &[
            (
                "SLA timers run at night",
                "the tier uses a 24x7 calendar; switch it to business hours.",
            ),
            (
                "Timers did not pause while waiting on the customer",
                "add Waiting on customer as a pause status.",
            ),
            (
                "Holidays are counted",
                "attach your holiday calendar to the business hours.",
            ),
        ],
        tips: &[
            "Warn agents at 75% of the target.",
            "Review SLA breaches weekly.",
        ],
    },
    Topic {
        key: "business-hours",
        title: "Define business hours and holidays",
        short: "business hours",
        summary: "Set working hours per time zone and add public holidays for SLA calculations.",
        tags: &["business hours", "holidays", "sla"],
        steps: &[
            "Open **Settings > Support > Business hours** and click **New calendar**.",
            "Choose the time zone and the opening hours per weekday.",
            "Attach a holiday calendar, such as US federal holidays.",
            "Assign the calendar to SLA tiers and queues.",
        ],
        problems: &[
            (
                "Due dates are off by an hour",
                "the calendar's time zone is wrong or daylight saving time changed.",
            ),
            (
                "A holiday was not skipped",
                "add it as a one-time holiday if it moves every year.",
            ),
            (
                "Overnight shifts end early",
                "enter an interval that ends after midnight, for example 22:00–06:00.",
            ),
        ],
        tips: &[
            "Keep one calendar per support region.",
            "Review holidays every December.",
        ],
    },
    Topic {
        key: "case-routing",
        title: "Route cases to the right queue automatically",
        short: "case routing",
        summary: "Use routing rules, skills and round robin to assign cases to agents.",
        tags: &["routing", "queues", "assignment"],
        steps: &[
            "Open **Settings > Support > Queues** and create queues per team.",
            "Add routing rules on origin, priority, category or keywords.",
            "Choose the assignment method: round robin, least active or skill based.",
            "Set agent capacity so nobody gets overloaded.",
        ],
        problems: &[
            (
                "Cases stay unassigned",
                "no agent is available and under capacity; check statuses.",
            ),
            (
                "One agent gets every case",
                "round robin skips agents who are offline.",
            ),
            (
                "Rules never match",
                "rules are evaluated in order and the first match wins.",
            ),
        ],
        tips: &[
            "Keep a catch-all rule last.",
            "Review queue backlogs daily.",
        ],
    },
    Topic {
        key: "case-escalation",
        title: "Escalate a case to a manager",
        short: "case escalations",
        summary: "Escalate urgent or angry-customer cases manually or with escalation rules.",
        tags: &["escalation", "cases", "sla"],
        steps: &[
            "Open the case and click **Escalate**.",
            "Choose the manager or queue and write the reason.",
            "The escalated case is flagged and its priority raised.",
            "Escalation rules can do this automatically on SLA violations.",
        ],
        problems: &[
            (
                "Escalation rules fire twice",
                "rules are idempotent per level; check for duplicate rules.",
            ),
            (
                "The manager was not notified",
                "check their notification settings.",
            ),
            (
                "Angry customers are not escalated",
                "enable the sentiment trigger in escalation rules.",
            ),
        ],
        tips: &[
            "Escalate early rather than late.",
            "Document the reason for every escalation.",
        ],
    },
    Topic {
        key: "customer-portal",
        title: "Set up the customer portal",
        short: "the customer portal",
        summary: "Let customers submit cases, track them and read knowledge articles.",
        tags: &["portal", "self-service", "customers"],
        steps: &[
            "Open **Settings > Portal** and enable the portal.",
            "Choose your portal URL and upload your logo and colours.",
            "Choose which knowledge categories portal users can read.",
            "Invite customers or let them register with their company email.",
        ],
        problems: &[
            (
                "Customers cannot register",
                "self-registration is limited to approved email domains.",
            ),
            (
                "Customers see internal articles",
                "articles must be marked Internal to stay hidden.",
            ),
            (
                "The portal shows the wrong logo",
                "clear the CDN cache from the portal settings.",
            ),
        ],
        tips: &[
            "Point customers to the portal in auto-replies.",
            "Promote top articles on the portal home page.",
        ],
    },
    Topic {
        key: "knowledge-articles",
        title: "Write and publish knowledge articles",
        short: "knowledge articles",
        summary: "Draft, review and publish help articles, and keep them up to date.",
        tags: &["knowledge", "articles", "self-service"],
        steps: &[
            "Open **Knowledge** and click **New article**.",
            "Write a clear title, a summary and step-by-step content.",
            "Submit it for review; a reviewer approves and publishes it.",
            "Set a review date so the article stays accurate.",
        ],
        problems: &[
            (
                "The article does not appear in search",
                "only published articles are searchable; check its visibility.",
            ),
            (
                "Edits are not live",
                "edits create a new draft version that must be published.",
            ),
            (
                "The article has a low quality score",
                "add a summary, tags and shorter sentences.",
            ),
        ],
        tips: &[
            "Write titles as the customer would ask.",
            "Link articles when resolving cases.",
        ],
    },
    Topic {
        key: "chat-widget",
        title: "Add the live chat widget to your website",
        short: "the live chat widget",
        summary: "Embed chat on your site and route conversations to agents or the bot.",
        tags: &["chat", "widget", "website"],
        steps: &[
            "Open **Settings > Channels > Chat** and copy the embed snippet.",
            "Paste it before the closing body tag on every page.",
            "Set chat hours and the offline form.",
            "Connect the chatbot to answer from knowledge articles first.",
        ],
        problems: &[
            (
                "The widget does not appear",
                "your content security policy blocks our script; allow the domain.",
            ),
            (
                "Chats are not reaching agents",
                "agents must be Available in the chat console.",
            ),
            (
                "The bot gives wrong answers",
                "review which knowledge articles it may use.",
            ),
        ],
        tips: &[
            "Show the widget on pricing and help pages.",
            "Hand off to a human after two failed bot answers.",
        ],
    },
    Topic {
        key: "custom-fields",
        title: "Add custom fields to cases and contacts",
        short: "custom fields",
        summary: "Capture extra information with text, number, picklist and date fields.",
        tags: &["customization", "fields", "admin"],
        steps: &[
            "Open **Settings > Objects** and choose Cases or Contacts.",
            "Click **New field** and pick a type: text, number, picklist, date or checkbox.",
            "Set the label, help text and whether it is required.",
            "Add the field to page layouts.",
        ],
        problems: &[
            (
                "The field is not visible",
                "add it to the page layout and check field-level security.",
            ),
            (
                "You cannot change a field's type",
                "create a new field and migrate the values.",
            ),
            (
                "Picklist values are missing in the API",
                "use the API name, not the label.",
            ),
        ],
        tips: &[
            "Use picklists instead of free text for reporting.",
            "Delete fields nobody uses.",
        ],
    },
    Topic {
        key: "workflow-automation",
        title: "Automate tasks with workflow rules",
        short: "workflow rules",
        summary: "Send emails, update fields and create tasks automatically when records change.",
        tags: &["automation", "workflow", "rules"],
        steps: &[
            "Open **Settings > Automation > Workflows** and click **New workflow**.",
            "Choose the trigger: record created, updated or a scheduled time.",
            "Add conditions and actions such as update field or send email.",
            "Activate the workflow and check its run history.",
        ],
        problems: &[
            (
                "The workflow does not fire",
                "conditions are evaluated on the saved record; check field values.",
            ),
            (
                "Workflows loop",
                "avoid actions that update the field in the trigger condition.",
            ),
            (
                "Emails from workflows are not sent",
                "the template is missing a recipient.",
            ),
        ],
        tips: &[
            "Test workflows in a sandbox.",
            "Name workflows after their outcome.",
        ],
    },
    Topic {
        key: "sandbox",
        title: "Use a sandbox to test changes",
        short: "sandboxes",
        summary: "Create a copy of your workspace to test configuration before going live.",
        tags: &["sandbox", "testing", "admin"],
        steps: &[
            "Open **Settings > Sandboxes** and click **Create sandbox**.",
            "Choose configuration only or configuration plus sample data.",
            "Make and test your changes in the sandbox.",
            "Deploy the changes to production with a change set.",
        ],
        problems: &[
            (
                "The sandbox is out of date",
                "refresh it; refreshing deletes sandbox data.",
            ),
            (
                "Emails from the sandbox reach customers",
                "sandbox emails are off by default; keep them off.",
            ),
            (
                "Deployment fails",
                "deploy dependent fields before the workflows that use them.",
            ),
        ],
        tips: &[
            "Refresh sandboxes after each release.",
            "Never test with real customer emails.",
        ],
    },
    Topic {
        key: "audit-log",
        title: "Review the audit log",
        short: "the audit log",
        summary: "See who signed in, changed settings or permissions, exported data or deleted records, and when.",
        tags: &["security", "audit", "admin"],
        steps: &[
            "Open **Settings > Security > Audit log**.",
            "Each entry records who performed the action, what it was (a sign-in, a permission change, a data export, a deleted record, a settings change), from which IP address and when.",
            "Filter by user, action or date range.",
            "Export the log to CSV for your security team.",
            "Stream events to your SIEM with the audit log API.",
        ],
        problems: &[
            (
                "Older entries are missing",
                "the log keeps 12 months; export it regularly.",
            ),
            (
                "You cannot open the audit log",
                "it requires the Security admin permission.",
            ),
            (
                "Sign-ins through SSO are not listed",
                "they appear in your identity provider's log too.",
            ),
        ],
        tips: &[
            "Review data exports and permission changes every month.",
            "Alert on new admin accounts.",
        ],
    },
    Topic {
        key: "ip-allowlist",
        title: "Restrict access with an IP allow list",
        short: "IP allow lists",
        summary: "Only allow sign-ins from your office or VPN IP ranges.",
        tags: &["security", "ip", "network"],
        steps: &[
            "Open **Settings > Security > Network**.",
            "Add your office and VPN IP ranges in CIDR notation.",
            "Choose whether the list applies to the API as well.",
            "Save; users outside the ranges are blocked at sign-in.",
        ],
        problems: &[
            (
                "Everyone is locked out",
                "the ranges were wrong; the account owner can still sign in from the recovery link.",
            ),
            (
                "The mobile app cannot connect",
                "phones on cellular networks are outside your ranges; use the VPN.",
            ),
            (
                "Integrations fail after enabling it",
                "add the integration's IP addresses.",
            ),
        ],
        tips: &[
            "Test with one range before adding all.",
            "Keep the recovery link safe.",
        ],
    },
    Topic {
        key: "custom-domain",
        title: "Use your own domain for the help center",
        short: "custom domains",
        summary: "Serve the help center from help.yourcompany.com with HTTPS.",
        tags: &["domain", "dns", "ssl"],
        steps: &[
            "Open **Settings > Portal > Domain** and enter your domain.",
            "Create the CNAME record we show at your DNS provider.",
            "Wait for DNS to propagate; we issue the SSL certificate automatically.",
            "Set the custom domain as primary.",
        ],
        problems: &[
            (
                "The certificate is pending",
                "CAA records may block our certificate authority.",
            ),
            (
                "The domain shows a DNS error",
                "the CNAME must not be proxied by your CDN.",
            ),
            ("Old links still work", "they redirect to the new domain."),
        ],
        tips: &[
            "Lower the DNS TTL before switching.",
            "Keep the old domain redirecting.",
        ],
    },
    Topic {
        key: "attachments",
        title: "Attach files to cases",
        short: "attachments",
        summary: "Upload screenshots and logs to cases; limits and allowed file types.",
        tags: &["attachments", "files", "cases"],
        steps: &[
            "Open the case and drag files onto the comment box.",
            "Files up to 25 MB each are accepted.",
            "Images show a preview; other files download.",
            "Customers can attach files from the portal and by email.",
        ],
        problems: &[
            (
                "The upload fails",
                "the file is over 25 MB or an executable type we block.",
            ),
            (
                "Email attachments are missing on the case",
                "your mail server strips attachments over its own limit.",
            ),
            (
                "Customers cannot open attachments",
                "public comments are needed to share files.",
            ),
        ],
        tips: &[
            "Compress log files before attaching.",
            "Avoid sending passwords in screenshots.",
        ],
    },
    Topic {
        key: "satisfaction-surveys",
        title: "Send customer satisfaction surveys",
        short: "satisfaction surveys",
        summary: "Ask customers to rate their support experience after a case is closed.",
        tags: &["csat", "surveys", "feedback"],
        steps: &[
            "Open **Settings > Support > Surveys** and enable CSAT.",
            "Choose when to send: on resolve or on close.",
            "Customize the question and the thank-you message.",
            "Track scores on the support dashboard.",
        ],
        problems: &[
            (
                "Customers do not receive surveys",
                "surveys are sent once per contact per week at most.",
            ),
            (
                "Scores are missing from reports",
                "only answered surveys count.",
            ),
            (
                "Angry feedback is not followed up",
                "add an escalation rule on low scores.",
            ),
        ],
        tips: &[
            "Keep surveys to one question.",
            "Call back every very dissatisfied customer.",
        ],
    },
    Topic {
        key: "macros-templates",
        title: "Save time with reply templates",
        short: "reply templates",
        summary: "Create canned responses and macros for common answers.",
        tags: &["templates", "macros", "productivity"],
        steps: &[
            "Open **Settings > Support > Templates** and click **New template**.",
            "Write the reply and insert placeholders such as the contact's first name.",
            "Share the template with your team or keep it personal.",
            "Insert it from the reply box with the / shortcut.",
        ],
        problems: &[
            (
                "Placeholders appear as raw text",
                "use the placeholder picker to insert them.",
            ),
            (
                "Teammates cannot see the template",
                "share it with their team.",
            ),
            (
                "Formatting is lost",
                "paste as plain text and format in the editor.",
            ),
        ],
        tips: &[
            "Link knowledge articles in templates.",
            "Review templates when products change.",
        ],
    },
    Topic {
        key: "time-zone-language",
        title: "Change your language and time zone",
        short: "language and time zone settings",
        summary: "Set the interface language, date format and time zone in your profile.",
        tags: &["profile", "language", "time zone"],
        steps: &[
            "Open **Profile > Preferences**.",
            "Choose a language; 14 languages are available, including 中文 and Français.",
            "Choose your time zone and date format.",
            "Save; the interface reloads in your language.",
        ],
        problems: &[
            (
                "Dates show the wrong time",
                "your profile time zone differs from your computer's.",
            ),
            (
                "Some text is still in English",
                "custom fields keep the labels your admin wrote.",
            ),
            (
                "Emails arrive in the wrong language",
                "emails follow the workspace default language.",
            ),
        ],
        tips: &[
            "Admins can set the default for new users.",
            "Use 24-hour time for international teams.",
        ],
    },
    Topic {
        key: "account-deletion",
        title: "Close your account and delete the workspace",
        short: "closing your account",
        summary: "Cancel the subscription, export your data and permanently delete the workspace.",
        tags: &["account", "cancellation", "deletion"],
        steps: &[
            "Export any data you want to keep.",
            "Open **Settings > Billing > Plan** and cancel the subscription.",
            "Open **Settings > Workspace > Delete workspace** and confirm with your password.",
            "The workspace is deleted after a 30-day grace period.",
        ],
        problems: &[
            (
                "You changed your mind",
                "restore the workspace within 30 days from the link in the confirmation email.",
            ),
            (
                "Only the owner can delete",
                "transfer ownership or ask the owner.",
            ),
            (
                "You were still charged",
                "the final invoice covers the period before cancellation.",
            ),
        ],
        tips: &[
            "Download invoices before deleting.",
            "Tell your team in advance.",
        ],
    },
];

/// The four kinds of article written per topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    HowTo,
    Troubleshooting,
    Faq,
    BestPractices,
}

pub const KINDS: [Kind; 4] = [
    Kind::HowTo,
    Kind::Troubleshooting,
    Kind::Faq,
    Kind::BestPractices,
];

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The draft of one article of `topic` of `kind`.
pub fn draft(topic: &Topic, kind: Kind) -> ArticleDraft {
    let (title, category, summary, content) = match kind {
        Kind::HowTo => {
            let mut c = format!("# {}\n\n{}\n\n## Steps\n\n", topic.title, topic.summary);
            for (i, s) in topic.steps.iter().enumerate() {
                c.push_str(&format!("{}. {}\n", i + 1, s));
            }
            c.push_str("\n## Tips\n\n");
            for t in topic.tips {
                c.push_str(&format!("- {t}\n"));
            }
            (
                topic.title.to_owned(),
                ArticleCategory::Tutorial,
                topic.summary.to_owned(),
                c,
            )
        }
        Kind::Troubleshooting => {
            let title = format!("Troubleshooting {}", topic.short);
            let mut c = format!(
                "# {title}\n\nUse this guide when {} do not work as expected.\n\n",
                topic.short
            );
            for (symptom, fix) in topic.problems {
                c.push_str(&format!(
                    "## {symptom}\n\nIf {}, {fix}\n\n",
                    lower_first(symptom)
                ));
            }
            c.push_str(
                "Still stuck? Open a case and include screenshots and the time it happened.\n",
            );
            (
                title,
                ArticleCategory::Troubleshooting,
                format!("Common problems with {} and how to fix them.", topic.short),
                c,
            )
        }
        Kind::Faq => {
            let title = format!("{}: frequently asked questions", upper_first(topic.short));
            let mut c = format!("# {title}\n\n");
            if let Some(first) = topic.steps.first() {
                c.push_str(&format!("### Where do I start?\n\n{first}\n\n"));
            }
            for (symptom, fix) in topic.problems.iter().take(2) {
                c.push_str(&format!(
                    "### What if {}?\n\n{}.\n\n",
                    lower_first(symptom),
                    upper_first(fix.trim_end_matches('.'))
                ));
            }
            (
                title,
                ArticleCategory::Faq,
                format!("Short answers to common questions about {}.", topic.short),
                c,
            )
        }
        Kind::BestPractices => {
            let title = format!("Best practices for {}", topic.short);
            let mut c = format!("# {title}\n\n{}\n\n", topic.summary);
            for t in topic.tips {
                c.push_str(&format!("- {t}\n"));
            }
            if let Some(last) = topic.steps.last() {
                c.push_str(&format!("\nRemember: {}\n", lower_first(last)));
            }
            (
                title,
                ArticleCategory::BestPractices,
                format!("Recommendations from our support team for {}.", topic.short),
                c,
            )
        }
    };
    ArticleDraft::new(title, content)
        .summary(summary)
        .category(category)
        .tags(topic.tags.iter().copied())
}

/// A product per topic group (5 products), for filter tests.
pub fn product_of(topic_index: usize) -> ProductId {
    ProductId::from_u128(1 + (topic_index % 5) as u128)
}

/// Visibility assigned to the n-th article: 70% public, 10% each internal,
/// customer portal (every third one Premium+) and partner; some public ones need login.
pub fn visibility_of(n: usize) -> (Visibility, bool, Option<PortalTier>) {
    match n % 10 {
        7 => (Visibility::Internal, true, None),
        8 => (
            Visibility::CustomerPortal,
            true,
            (n % 3 == 0).then_some(PortalTier::Premium),
        ),
        9 => (Visibility::Partner, true, None),
        _ => (Visibility::Public, n % 13 == 0, None),
    }
}

pub fn now() -> DateTime<Utc> {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

pub const REVIEWER: AgentId = AgentId::from_u128(900);

/// Creates, reviews and publishes a draft.
pub fn publish(kb: &mut KnowledgeBase, draft: ArticleDraft, at: DateTime<Utc>) -> ArticleId {
    let id = kb.create(draft, at).unwrap();
    kb.submit_for_review(id, REVIEWER, at).unwrap();
    kb.publish(id, REVIEWER, at).unwrap();
    id
}

/// One published article per (topic, kind): 200 articles, with the topic key of each.
pub fn corpus() -> (KnowledgeBase, Vec<(ArticleId, &'static str, Kind)>) {
    let mut kb = KnowledgeBase::new();
    let mut ids = Vec::new();
    let mut n = 0;
    for (ti, topic) in TOPICS.iter().enumerate() {
        for kind in KINDS {
            let (visibility, login, tier) = visibility_of(n);
            let mut d = draft(topic, kind)
                .product(product_of(ti))
                .visibility(visibility)
                .require_login(login);
            d.min_portal_tier = tier;
            ids.push((publish(&mut kb, d, now()), topic.key, kind));
            n += 1;
        }
    }
    (kb, ids)
}

/// `n` article drafts derived from the corpus material for benchmarks: each takes a
/// topic and kind and mixes in an edition name and sentences from two other topics,
/// so titles and bodies differ while reading like support articles.
pub fn large_corpus(n: usize) -> Vec<ArticleDraft> {
    const EDITIONS: &[&str] = &[
        "Cloud",
        "Enterprise",
        "Mobile",
        "Portal",
        "API v2",
        "Legacy",
        "EU region",
        "Partner edition",
    ];
    (0..n)
        .map(|i| {
            let ti = i % TOPICS.len();
            let topic = &TOPICS[ti];
            let kind = KINDS[(i / TOPICS.len()) % KINDS.len()];
            let edition = EDITIONS[(i / (TOPICS.len() * KINDS.len())) % EDITIONS.len()];
            let mut d = draft(topic, kind);
            d.title = format!("{} ({edition}, rev {})", d.title, i / 400);
            let other = &TOPICS[(ti * 7 + i / 3 + 1) % TOPICS.len()];
            let third = &TOPICS[(ti * 13 + i / 5 + 2) % TOPICS.len()];
            d.content.push_str(&format!(
                "\n## Related\n\n{} {} {}\n",
                other.summary,
                third.steps[i % third.steps.len()],
                other.problems[i % other.problems.len()].1
            ));
            let (visibility, login, tier) = visibility_of(i);
            d.visibility = visibility;
            d.require_login = login;
            d.min_portal_tier = tier;
            d.product(product_of(ti))
        })
        .collect()
}
