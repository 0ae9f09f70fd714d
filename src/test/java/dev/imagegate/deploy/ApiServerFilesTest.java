package dev.imagegate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API server's files in {@code deploy/apiserver}, as an operator uses them: the audit policy logs every verb
 * that changes a pod's images (PATCH included), the flags list and the static-pod fragment name the same flags
 * and never replace the cluster's admission plugins, and {@code gen-certs.sh} fills the kubeconfig template.
 * ControlPlaneEndToEndIT runs a real API server from the same files.
 */
class ApiServerFilesTest {

    private static final ObjectMapper YAML = new YAMLMapper();
    private static final Path DIR = Path.of("deploy/apiserver");

    @Test
    void theAuditPolicyLogsPodCreatesUpdatesAndPatchesAtMetadata() throws IOException {
        JsonNode rule = YAML.readTree(DIR.resolve("audit-policy.yaml").toFile()).at("/rules/0");

        assertThat(rule.path("level").asText()).isEqualTo("Metadata");
        assertThat(texts(rule.path("verbs"))).contains("create", "update", "patch");
        assertThat(texts(rule.at("/resources/0/resources"))).contains("pods", "pods/ephemeralcontainers");
    }

    @Test
    void theFlagsListAndTheFragmentNameTheSameFlagsAndAddToTheExistingPlugins() throws IOException {
        List<String> flags = Files.readAllLines(DIR.resolve("kube-apiserver-flags.txt")).stream()
                .filter(line -> line.startsWith("--")).toList();
        JsonNode fragment = YAML.readTree(DIR.resolve("kube-apiserver-patch.yaml").toFile()).at("/spec/containers/0");

        assertThat(Files.readString(DIR.resolve("kube-apiserver-flags.txt")))
                .contains("Add ImagePolicyWebhook to your EXISTING --enable-admission-plugins list");
        assertThat(flags).contains("--enable-admission-plugins=<the plugins already listed>,ImagePolicyWebhook",
                "--admission-control-config-file=/etc/kubernetes/imagegate/admission-config.yaml",
                "--audit-policy-file=/etc/kubernetes/imagegate/audit-policy.yaml");
        assertThat(texts(fragment.path("command"))).containsAll(flags);
        assertThat(Files.readString(DIR.resolve("kube-apiserver-patch.yaml")))
                .startsWith("# A FRAGMENT TO MERGE BY HAND, not a manifest to apply");
        assertThat(fragment.path("volumeMounts").findValuesAsText("mountPath"))
                .contains("/etc/kubernetes/imagegate", "/var/log/kubernetes/audit");
    }

    @Test
    void genCertsFillsTheKubeconfigTemplateAndSaysWhereItWritesPrivateKeys(@TempDir Path out) throws Exception {
        Process script = new ProcessBuilder("deploy/gen-certs.sh", out.toString(), "https://imagegate.example:8443/scan")
                .redirectErrorStream(true).start();
        String output = new String(script.getInputStream().readAllBytes());

        assertThat(script.waitFor()).as(output).isZero();
        assertThat(output).contains("private keys ca.key server.key apiserver-client.key webhook.kubeconfig");
        String kubeconfig = Files.readString(out.resolve("webhook.kubeconfig"));
        assertThat(kubeconfig).doesNotContain("${");
        JsonNode config = YAML.readTree(kubeconfig);
        assertThat(config.at("/clusters/0/cluster/server").asText()).isEqualTo("https://imagegate.example:8443/scan");
        assertThat(config.path("current-context").asText()).isEqualTo("imagegate");
        assertThat(new String(java.util.Base64.getDecoder().decode(config.at("/users/0/user/client-key-data").asText())))
                .isEqualTo(Files.readString(out.resolve("apiserver-client.key")));
        assertThat(Files.readString(Path.of(".gitignore")).lines()).contains("out/");
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }
}
