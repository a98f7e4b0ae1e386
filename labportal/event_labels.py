"""People's words for the portal's internal event names: what the outbox and the clock's log show
staff (受付通知, 差し戻し通知, …) instead of `applications_submitted` or `review.overdue`.

One mapping in one place: a new mail template (templates/mail/<event>.txt) or a new deadline
handler gets its label here; tests/labportal/test_event_labels.py fails until it has one.
"""

import re

MAIL_EVENT_LABELS: dict[str, str] = {
    "account_already_exists": "登録済みアドレスへの案内",
    "account_email_confirmation": "メールアドレス確認",
    "account_password_reset": "パスワード再設定",
    "account_unknown": "未登録アドレスへの案内",
    "applications_invitation": "申請担当者への招待",
    "applications_join_request": "組織への参加申請",
    "applications_returned": "差し戻し通知",
    "applications_revision_reminder": "再提出期限のリマインド",
    "applications_submitted": "受付通知",
    "applications_withdrawn": "取り下げ通知",
    "review_assigned": "審査の依頼",
    "review_decision_not_selected": "選定結果（不選定）",
    "review_decision_selected": "選定結果（選定）",
    "review_hearing_cancelled": "ヒアリング中止",
    "review_hearing_changed": "ヒアリング変更",
    "review_hearing_scheduled": "ヒアリング案内",
    "review_overdue": "審査期限超過",
    "review_recused": "審査員の辞退",
    "review_reminder": "審査期限のリマインド",
    "review_reopened": "審査の再提出依頼",
    "round_closed": "公募締切",
    "round_closed_early": "公募の早期締切（作成中の申請書あり）",
    "round_closing_reminder": "公募締切のリマインド",
    "round_opened": "公募開始",
    "transition_approved": "移行承認",
    "transition_claim_received": "申請主体の申し出（事務局宛）",
    "transition_claim_refused": "申請主体の申し出の不承認",
    "transition_declined": "移行しない旨の受付",
    "transition_declined_staff": "移行しない旨の届出（事務局宛）",
    "transition_expired": "移行期間の終了",
    "transition_linked": "移行手続きの開始",
    "transition_period_closed": "移行期間の終了",
    "transition_period_ended_staff": "移行期間の終了（事務局宛）",
    "transition_rejected": "移行申請の結果",
    "transition_reminder": "移行期限のリマインド",
    "transition_reminder_staff": "移行期限のリマインド（事務局宛）",
    "transition_returned": "変更計画書の差し戻し通知",
    "transition_submitted": "移行申請の受付通知",
    "transition_submitted_staff": "移行申請の提出（事務局宛）",
    "transition_under_review": "変更計画書の審査開始",
}

CLOCK_HANDLER_LABELS: dict[str, str] = {
    "labportal.round_open": "公募の開始",
    "labportal.round_reminder": "公募締切のリマインド",
    "labportal.round_close": "公募の締切",
    "labportal.outbox_recover": "送信メールの復旧",
    "labportal.security_log_purge": "セキュリティログの削除",
    "applications.revision_reminder": "再提出期限のリマインド",
    "applications.start_review": "審査の開始",
    "review.due_reminder": "審査期限のリマインド",
    "review.overdue": "審査期限の超過",
    "transition.records": "移行記録の作成",
    "transition.reminders": "移行期限のリマインド",
    "transition.period_end": "移行期間の終了",
}


# What a handler did, from the kind it recorded (labportal/deadlines.py and each app's deadlines.py):
# a pattern of the kind and the words for it; a kind no pattern knows shows as it is.
CLOCK_KIND_LABELS: list[tuple[str, str]] = [
    (r"opened", "開始"),
    (r"closed", "締切"),
    (r"overdue", "期限超過"),
    (r"overdue:(?P<when>.+)", "期限超過（{when}）"),
    (r"reminder_(?P<days>\d+)d", "{days}日前のリマインド"),
    (r"reminder_(?P<days>\d+)d:(?P<when>.+)", "{days}日前のリマインド（期限 {when}）"),
    (r"reminder:(?P<when>[^:]+):(?P<days>\d+)d", "{days}日前のリマインド（期限 {when}）"),
    (r"closed:(?P<when>.+)", "期間の終了（{when}）"),
    (r"summary:(?P<when>.+)", "事務局へのまとめ（{when}）"),
]


def clock_kind_label(kind: str) -> str:
    """「7日前のリマインド」 for `reminder_7d`; 「事務局宛：…」 for a `staff:` kind."""
    if kind.startswith("staff:"):
        return f"事務局宛：{clock_kind_label(kind.removeprefix('staff:'))}"
    for pattern, words in CLOCK_KIND_LABELS:
        found = re.fullmatch(pattern, kind)
        if found:
            return words.format(**found.groupdict())
    return kind


def mail_event_label(event: str) -> str:
    """受付通知 for `applications_submitted`; an unknown event shows as it is, never blank."""
    return MAIL_EVENT_LABELS.get(event, event)


def clock_handler_label(handler: str) -> str:
    return CLOCK_HANDLER_LABELS.get(handler, handler)
