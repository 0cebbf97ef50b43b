"""kubesim - the modules of kube-sim, a Kubernetes API server double for
tests (see ../README.md).  Standard library only; imported by ../kube-sim."""
