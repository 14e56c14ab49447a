"""``platformctl``: the operator's tool around the synthesized stacks.

Subcommands live in their own modules and register themselves in :mod:`platformctl.cli`:

- ``bootstrap-state`` (:mod:`platformctl.state`): create and harden an environment's state bucket.
- ``preview`` (:mod:`platformctl.preview`): a Markdown report of ``terraform show -json`` plans.
- ``diff`` (:mod:`platformctl.diff`): what a change to the code does to the synthesized stacks.
- ``comment`` (:mod:`platformctl.comment`): post a report to a merge or pull request.
- ``mirror`` (:mod:`platformctl.mirror`): copy an environment's charts and images into an
  internal registry.

Each module imports its heavy dependencies (boto3, cdktf) inside the command, so ``--help``
and ``preview`` start fast.
"""
