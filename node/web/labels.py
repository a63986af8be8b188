"""Words for the values pages show that are stored as codes (roles, instance states, domain actions, audit
actions): each page says them in the reader's language. A code with no label is shown as stored."""

from __future__ import annotations

from ..services.errors import N_

LABELS = {
    # roles
    "member": N_("member"),
    "moderator": N_("moderator"),
    "admin": N_("administrator"),
    # the health or policy of a known instance
    "ok": N_("reachable"),
    "failing": N_("failing"),
    "unavailable": N_("unavailable"),
    "suspend": N_("suspended"),
    "limit": N_("limited"),
    "allow": N_("allowed"),
    # the audit log
    "directory.partner": N_("added a directory partner"),
    "directory.partner_removed": N_("removed a directory partner"),
    "directory.settings": N_("changed the directory settings"),
    "federation.mode": N_("changed the federation mode"),
    "federation.remove": N_("removed a domain rule"),
    "federation.suspend": N_("suspended a domain"),
    "federation.limit": N_("limited a domain"),
    "federation.allow": N_("allowed a domain"),
    "instance.private_mode": N_("changed the private mode"),
    "instance.settings": N_("changed the instance settings"),
    "invitations.revoke": N_("revoked an invitation"),
    "queue.drop": N_("dropped deliveries"),
    "queue.retry": N_("retried deliveries"),
    "skill.merge": N_("merged skills"),
    "skill.synonym": N_("added a skill synonym"),
    "skill.synonym_removed": N_("removed a skill synonym"),
    "users.delete": N_("deleted an account"),
    "users.role": N_("changed a role"),
    "users.silence": N_("silenced a member"),
    "users.unsilence": N_("lifted a silence"),
    "users.suspend": N_("suspended a member"),
    "users.unsuspend": N_("lifted a suspension"),
    "reports.resolve.none": N_("closed a report without action"),
    "reports.resolve.remove": N_("removed reported content"),
    "reports.resolve.silence": N_("silenced a reported member"),
    "reports.resolve.suspend": N_("suspended a reported member"),
}


def label(code: str) -> str:
    """The untranslated label of `code` (the template translates it), or the code itself."""
    return LABELS.get(code, code)
