/*
 * fuzz_kubecfg.c - a kubeconfig on arbitrary input: the YAML reader and
 * the kubeconfig subset of ssd-agent-k8s (kubecfg.c), no crash, no leak.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "kubecfg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kubecfg kc;
	char err[512];

	if (size > 65536)
		return 0;
	if (kubecfg_parse((const char *)data, size, "/nonexistent", &kc, err,
	    sizeof(err)) == 0)
		kubecfg_free(&kc);
	return 0;
}
