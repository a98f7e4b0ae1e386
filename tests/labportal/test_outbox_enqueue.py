"""Big batches of mail are published by a worker, so that the caller (the sweep) stays short."""

from labportal import services, tasks


def capture(monkeypatch):
    calls = {"send": [], "fan_out": []}
    monkeypatch.setattr(tasks.send_outbox_mail, "delay", lambda mail_id: calls["send"].append(mail_id))
    monkeypatch.setattr(tasks.enqueue_outbox_mails, "delay", lambda ids: calls["fan_out"].append(list(ids)))
    return calls


def test_enqueue_few_mails_publishes_one_send_task_each(monkeypatch):
    calls = capture(monkeypatch)
    services._enqueue(list(range(services.ENQUEUE_DIRECT_MAX)))
    assert (calls["send"], calls["fan_out"]) == (list(range(services.ENQUEUE_DIRECT_MAX)), [])


def test_enqueue_many_mails_hands_chunks_to_a_worker(monkeypatch):
    calls = capture(monkeypatch)
    services._enqueue(list(range(1200)))
    assert (calls["send"], [len(chunk) for chunk in calls["fan_out"]]) == ([], [500, 500, 200])


def test_outbox_enqueue_publishes_one_send_task_per_mail(monkeypatch):
    published = []
    monkeypatch.setattr(tasks.send_outbox_mail, "apply_async",
                        lambda args, producer=None: published.append(args[0]))
    tasks.enqueue_outbox_mails.run([4, 5, 6])
    assert published == [4, 5, 6]
