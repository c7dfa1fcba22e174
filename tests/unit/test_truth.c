/* test_truth.c — every real config.json in ../shared/data/models must count
 * to the published total in its truth.json, exactly. truth.json is an
 * independent figure (model card tables, HF safetensors metadata, keras-hub
 * preset metadata); this test reads it with jansson and never consults
 * tmem's own output. Without ../shared the test is skipped (and make test's
 * last line names it); with CI=true in the environment it fails instead. */
#include "harness.h"
#include "reader.h"

#include <dirent.h>
#include <jansson.h>

static int n_checked;

static void check_one(const char *dir, const char *name)
{
    char cfg[1400], truth_path[1400];
    snprintf(cfg, sizeof cfg, "%s/%s/config.json", dir, name);
    snprintf(truth_path, sizeof truth_path, "%s/%s/truth.json", dir, name);
    json_error_t jerr;
    json_t *truth = json_load_file(truth_path, 0, &jerr);
    if (truth == NULL)
        return; /* not a model folder */
    json_int_t want = json_integer_value(json_object_get(truth, "total_params"));
    json_t *tied = json_object_get(truth, "tied_embeddings");

    struct tmem_model raw, m;
    struct tmem_inventory inv;
    struct tmem_error err = {0};
    enum tmem_status st = tmem_model_load(cfg, NULL, &raw, &err);
    if (st == TMEM_OK)
        st = tmem_model_resolve(&raw, &m, &err);
    if (st == TMEM_OK)
        st = tmem_inventory_build(&m, &inv, &err);
    if (st != TMEM_OK)
        fail_msg("%s: %s: %s", name, err.where, err.msg);
    if (inv.total_params != (uint64_t)want)
        fail_msg("%s: tmem counts %llu, published %lld", name, (unsigned long long)inv.total_params,
                 (long long)want);
    if (json_is_boolean(tied) && json_is_true(tied) != m.tied)
        fail_msg("%s: tied_embeddings %d, truth.json says %d", name, m.tied, json_is_true(tied));
    check_group_sum(&inv);
    print_message("  %-36s %15llu params = published\n", name, (unsigned long long)inv.total_params);
    json_decref(truth);
    n_checked++;
}

static void every_shared_config_counts_to_its_published_total(void **state)
{
    (void)state;
    /* TMEM_SHARED_DIR in the environment points elsewhere (tests/skips.sh uses it) */
    const char *shared = getenv("TMEM_SHARED_DIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/data/models", shared && shared[0] ? shared : TMEM_SHARED_DIR);
    DIR *d = opendir(dir);
    if (d == NULL) {
        const char *ci = getenv("CI");
        if (ci && strcmp(ci, "true") == 0)
            fail_msg("%s not found: CI=true, and this check is required there (a skip fails CI)", dir);
        print_message("  %s not found: shared data is not beside this checkout\n", dir);
        skip();
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            check_one(dir, e->d_name);
    closedir(d);
    assert_true(n_checked >= 14);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_shared_config_counts_to_its_published_total),
    };
    return cmocka_run_group_tests_name("truth: shared configs vs published counts", tests, NULL, NULL);
}
