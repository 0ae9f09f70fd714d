package dev.imagegate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No Docker engine here to build the image, so the Dockerfile is held to what it can be checked against: the
 * files it copies, the jar the build makes, the paths and ports the application and the manifests use, its user.
 * DockerfileIT runs its jar steps for real.
 */
class DockerfileTest {

    private static final Dockerfile DOCKERFILE = Dockerfile.read();
    private static final ObjectMapper YAML = new YAMLMapper();

    @Test
    void everyFileItCopiesFromTheProjectExists() {
        List<String> sources = DOCKERFILE.all("COPY").stream().filter(copy -> !copy.startsWith("--from="))
                .flatMap(copy -> {
                    List<String> words = Arrays.asList(copy.split(" "));
                    return words.subList(0, words.size() - 1).stream();
                }).toList();

        assertThat(sources).contains("pom.xml", "src", "routes", "config");
        assertThat(sources).allSatisfy(source -> assertThat(Path.of(source)).exists());
    }

    @Test
    void itTakesTheJarTheMavenBuildMakes() throws Exception {
        String buildDirectory = DOCKERFILE.stage(0).stream().filter(i -> i.keyword().equals("WORKDIR")).findFirst().orElseThrow().arguments();
        String finalName = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile())
                .getElementsByTagName("finalName").item(0).getTextContent();

        assertThat(DOCKERFILE.all("RUN")).contains("./mvnw -B -ntp package -DskipTests");
        assertThat(copyFromBuild()[0]).isEqualTo(buildDirectory + "/target/" + finalName + ".jar");
    }

    /** Spring Boot's tools jarmode extracts the jar under its own file name, and the JVM's CDS archive is the one the build recorded. */
    @Test
    void itStartsTheJarItExtractedWithTheArchiveItRecorded() {
        String extract = runtimeRun("extract");
        String copiedJar = copyFromBuild()[1];
        Matcher destination = Pattern.compile("-jar " + Pattern.quote(copiedJar) + " extract --destination (\\S+)").matcher(extract);
        assertThat(destination.find()).as(extract).isTrue();
        String extractedJar = destination.group(1) + "/" + Path.of(copiedJar).getFileName();
        Matcher archive = Pattern.compile("-XX:ArchiveClassesAtExit=(\\S+) .* -jar (\\S+)").matcher(extract);
        assertThat(archive.find()).as(extract).isTrue();

        assertThat(archive.group(2)).isEqualTo(extractedJar);
        assertThat(entrypoint()).containsSubsequence("-XX:SharedArchiveFile=" + archive.group(1), "-jar", extractedJar);
    }

    @Test
    void itRunsAsTheUnprivilegedUserTheDeploymentExpects() throws IOException {
        String user = DOCKERFILE.last("USER");
        String created = runtimeRun("useradd");
        JsonNode podSecurity = YAML.readTree(Path.of("deploy/kubernetes/base/deployment.yaml").toFile()).at("/spec/template/spec/securityContext");

        assertThat(user).matches("\\d+:\\d+");
        String uid = user.split(":")[0];
        String gid = user.split(":")[1];
        assertThat(uid).isNotEqualTo("0");
        assertThat(created).contains("--uid " + uid).contains("--gid " + gid);
        assertThat(podSecurity.path("runAsUser").asText()).isEqualTo(uid);
        assertThat(podSecurity.path("runAsGroup").asText()).isEqualTo(gid);
        assertThat(podSecurity.path("fsGroup").asText()).isEqualTo(gid);
        assertThat(created).contains("--home-dir " + environment().get("HOME"));
    }

    /** The routes and policy ImageGate reads relative to its working directory are volumes, and the Deployment mounts every volume. */
    @Test
    void itsVolumesAreWhereImageGateReadsAndWritesAndTheDeploymentMountsThem() throws IOException {
        String workdir = DOCKERFILE.last("WORKDIR");
        List<String> volumes = jsonArray(DOCKERFILE.last("VOLUME"));
        ApplicationProperties application = ApplicationProperties.of();
        String routes = workdir + "/" + application.get("imagegate.routes-dir");
        String policy = workdir + "/" + application.get("imagegate.policy.file");
        JsonNode container = YAML.readTree(Path.of("deploy/kubernetes/base/deployment.yaml").toFile()).at("/spec/template/spec/containers/0");

        assertThat(volumes).contains(routes, Path.of(policy).getParent().toString(), environment().get("HOME"), "/tmp");
        assertThat(environment().get("TRIVY_CACHE_DIR")).startsWith(environment().get("HOME") + "/");
        assertThat(environment().get("JAVA_TOOL_OPTIONS")).contains("-Djava.io.tmpdir=/tmp");
        assertThat(container.path("volumeMounts").findValuesAsText("mountPath")).containsAll(volumes);
    }

    @Test
    void itExposesThePortsImageGateListensOnInEitherProfile() {
        List<Integer> exposed = Arrays.stream(DOCKERFILE.last("EXPOSE").split(" ")).map(Integer::valueOf).toList();
        Set<Integer> listened = new TreeSet<>(ApplicationProperties.of().ports());
        listened.addAll(ApplicationProperties.of("tls").ports());

        assertThat(exposed).containsExactlyInAnyOrderElementsOf(listened);
    }

    @Test
    void itsTrivyIsTheVersionTheTrivyServerAndTheEndToEndSuiteRun() throws IOException {
        String tools = Files.readString(Path.of("tools/install.sh"));
        String trivyServer = Files.readString(Path.of("deploy/kubernetes/components/trivy-server/trivy-server.yaml"));

        assertThat(tools).contains("TRIVY_VERSION=v" + trivyVersion() + "\n");
        assertThat(trivyServer).contains("image: aquasec/trivy:" + trivyVersion() + "\n");
        assertThat(DOCKERFILE.all("COPY")).contains("--from=trivy /usr/local/bin/trivy /usr/local/bin/trivy");
    }

    /** The version of the trivy the image carries (the aquasec/trivy stage's tag). */
    static String trivyVersion() {
        return DOCKERFILE.all("FROM").stream().filter(from -> from.startsWith("aquasec/trivy:"))
                .map(from -> from.substring("aquasec/trivy:".length(), from.indexOf(' '))).findFirst()
                .orElseThrow(() -> new AssertionError("no aquasec/trivy stage"));
    }

    /** The runtime stage's RUN instruction that contains this word. */
    static String runtimeRun(String word) {
        return DOCKERFILE.stage(DOCKERFILE.stages() - 1).stream().filter(i -> i.keyword().equals("RUN") && i.arguments().contains(word))
                .map(Dockerfile.Instruction::arguments).findFirst().orElseThrow(() -> new AssertionError("no RUN with " + word));
    }

    /** The source and destination of the runtime stage's copy of the jar from the build stage. */
    static String[] copyFromBuild() {
        String copy = DOCKERFILE.all("COPY").stream().filter(c -> c.startsWith("--from=build ")).findFirst().orElseThrow();
        return copy.substring("--from=build ".length()).split(" ");
    }

    static List<String> entrypoint() {
        return jsonArray(DOCKERFILE.last("ENTRYPOINT"));
    }

    private static List<String> jsonArray(String exec) {
        try {
            return StreamSupport.stream(new ObjectMapper().readTree(exec).spliterator(), false).map(JsonNode::asText).toList();
        } catch (IOException e) {
            throw new AssertionError("not in exec form: " + exec, e);
        }
    }

    /** The runtime stage's ENV, as Docker reads {@code KEY=value} pairs (values in double quotes may hold spaces). */
    private static Map<String, String> environment() {
        Matcher pair = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)").matcher(DOCKERFILE.last("ENV"));
        return pair.results().collect(Collectors.toMap(m -> m.group(1), m -> m.group(2).replaceAll("^\"|\"$", "")));
    }
}
