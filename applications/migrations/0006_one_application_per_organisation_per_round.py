"""One application in progress per organisation per ordinary round (issue 14).

Transition plans (applications that a transition request holds, transition/plan.py) are marked
`is_transition_plan`: an organisation may hold several in the policy's plan round, so the rule
leaves them out. A database made before the rule may already hold a second draft of one
organisation in one round (the dashboard made one on every click): the later drafts are
withdrawn (取下げ) with a history row saying why, never deleted; two submitted applications of
one organisation in one round stop the migration with a message, for staff to decide.
"""

from django.db import migrations, models

IN_PROGRESS_EXCLUDED = "withdrawn"


def mark_plans_and_withdraw_duplicates(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    ApplicationEvent = apps.get_model("applications", "ApplicationEvent")
    TransitionRequest = apps.get_model("transition", "TransitionRequest")
    plan_ids = TransitionRequest.objects.exclude(application=None).values_list("application_id", flat=True)
    Application.objects.filter(pk__in=list(plan_ids)).update(is_transition_plan=True)

    kept = {}
    rows = (Application.objects.filter(is_transition_plan=False).exclude(state=IN_PROGRESS_EXCLUDED)
            .order_by("organisation_id", "selection_round_id", "id"))
    for application in rows:
        key = (application.organisation_id, application.selection_round_id)
        first = kept.setdefault(key, application)
        if first.pk == application.pk:
            continue
        if application.state != "draft":
            if first.state != "draft":
                raise RuntimeError(
                    f"団体 {key[0]} は公募回 {key[1]} に提出済みの申請を複数持っています（申請 {first.pk} と "
                    f"{application.pk}）。どちらかを取り下げてから、もう一度 migrate を実行してください。")
            first, kept[key], application = application, application, first
        Application.objects.filter(pk=application.pk).update(state=IN_PROGRESS_EXCLUDED)
        ApplicationEvent.objects.create(
            application=application, from_state=application.state, to_state=IN_PROGRESS_EXCLUDED,
            actor="system",
            message=f"同じ団体・同じ公募回の申請書が既にあるため（申請 #{first.pk}）、重複して作成された"
                    "下書きを取り下げました。")


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0005_retire_reference_and_protect_choices"),
        ("transition", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="is_transition_plan",
            field=models.BooleanField(default=False, editable=False, verbose_name="移行の変更計画書"),
        ),
        migrations.RunPython(mark_plans_and_withdraw_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="application",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "withdrawn"), _negated=True) & models.Q(("is_transition_plan", False)),
                fields=("organisation", "selection_round"),
                name="one_application_per_organisation_per_round",
            ),
        ),
    ]
