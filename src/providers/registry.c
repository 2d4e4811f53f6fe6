/* providers/registry.c - the provider kinds, as a table you can read. */
#include "providers/provider.h"

/* clang-format off */
static const struct sy_provider *const all[SY_KIND_COUNT] = {
    [SY_KIND_OPENAI]    = &sy_provider_openai,
    [SY_KIND_AZURE]     = &sy_provider_azure,
    [SY_KIND_ANTHROPIC] = &sy_provider_anthropic,
    [SY_KIND_GEMINI]    = &sy_provider_gemini,
    [SY_KIND_VERTEX]    = &sy_provider_vertex,
    [SY_KIND_BEDROCK]   = &sy_provider_bedrock,
};

/* clang-format on */

const struct sy_provider *sy_provider_get(enum sy_provider_kind kind)
{
    return (unsigned)kind < SY_KIND_COUNT ? all[kind] : NULL;
}
