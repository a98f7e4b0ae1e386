"""The national-scale benchmark (issue 7): `python manage.py seed_scale` builds the data set,
`python -m bench.run` (`make bench`) measures pages, the deadline hour, the jobs and memory
against a minimal view of ours on the same stack."""
