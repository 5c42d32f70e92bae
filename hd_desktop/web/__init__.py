"""Online studies: a round exported as a jsPsych/JATOS study, and its results imported back (no Qt).

`export` writes the study folder (and its JATOS archive) with the app's own renders; `results`
reads what the browser wrote (jsPsych CSV or JSON, JATOS result archives) and checks it;
`importing` turns each participant into rating-file rows and merges them through the store's
rating-file import, so web results get the same guarantees as a workstation's rating files.
"""
