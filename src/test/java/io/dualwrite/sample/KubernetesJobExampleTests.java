package io.dualwrite.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docs/kubernetes/copier-job.yaml parses, is the Indexed Job the docs describe, and its container's arguments are a
 * command the sample's jar runs (here on the embedded server, where they copy the seeded users).
 */
class KubernetesJobExampleTests {

    private static final Path EXAMPLE = Path.of("docs/kubernetes/copier-job.yaml");

    @Test
    @SuppressWarnings("unchecked")
    void theCopierJobIsAnIndexedJobRunningTheCopyCommandWithTheUriFromASecret() throws Exception {
        List<Object> documents = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(EXAMPLE)) {
            new Yaml().loadAll(reader).forEach(documents::add);
        }
        assertThat(documents).hasSize(1);
        Map<String, Object> job = (Map<String, Object>) documents.get(0);
        assertThat(job).containsEntry("apiVersion", "batch/v1").containsEntry("kind", "Job");
        Map<String, Object> spec = (Map<String, Object>) job.get("spec");
        assertThat(spec).containsEntry("completionMode", "Indexed");
        assertThat(spec.get("completions")).isInstanceOf(Integer.class).isEqualTo(spec.get("parallelism"));
        Map<String, Object> pod = (Map<String, Object>) ((Map<String, Object>) spec.get("template")).get("spec");
        assertThat(pod).containsEntry("restartPolicy", "Never");
        List<Map<String, Object>> containers = (List<Map<String, Object>>) pod.get("containers");
        assertThat(containers).hasSize(1);
        Map<String, Object> copier = containers.get(0);
        List<String> args = (List<String>) copier.get("args");
        assertThat(args).containsExactly("copy", "--migration", "customers-v2", "--workers", "1");
        List<Map<String, Object>> env = (List<Map<String, Object>>) copier.get("env");
        assertThat(env).anySatisfy(variable -> {
            assertThat(variable).containsEntry("name", "MONGODB_URI");
            Map<String, Object> secret = (Map<String, Object>) ((Map<String, Object>) variable.get("valueFrom"))
                    .get("secretKeyRef");
            assertThat(secret).containsKeys("name", "key");
        });
        Map<String, Object> policy = (Map<String, Object>) spec.get("podFailurePolicy");
        List<Map<String, Object>> rules = (List<Map<String, Object>>) policy.get("rules");
        assertThat(rules).anySatisfy(rule -> assertThat(((Map<String, Object>) rule.get("onExitCodes"))
                .get("containerName")).isEqualTo(copier.get("name")));

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        OptionalInt exitCode = CustomersApplication.dispatch(CustomersApplication.commandLine()
                .defaultProperties(Map.of("dualwrite.embedded.database", "kubernetes_example"))
                .output(new PrintWriter(out, true), new PrintWriter(err, true)), args.toArray(String[]::new));

        assertThat(exitCode).as(err.toString()).hasValue(0);
        assertThat(out.toString()).contains("copied 200");
    }
}
