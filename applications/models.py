"""Applicant organisations, applications and their sections, attachments (issue 4)."""
