import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegate.admission.AdmissionReader;
import dev.imagegate.review.ReviewRequest;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.apps.Deployment;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What reading an AdmissionReview costs with each model, on the body bench/run.sh sends to /validate (a
 * Deployment as the API server sends it, managedFields and last-applied annotation included): ImageGate's small
 * records (AdmissionReader: bind what is judged, skip the rest) against fabric8's kept model
 * (kubernetes-model-admissionregistration, which binds the whole object, here into its apps/v1 Deployment).
 * Both read the same bytes and end with the containers' images; interleaved rounds after a warm-up.
 *
 * Usage: java -cp "<ImageGate's extracted jar and lib/*>:<fabric8 model jars>" bench/AdmissionModels.java BODY [seconds]
 * (bench/models.sh fetches the fabric8 jars with Maven and runs it).
 */
public class AdmissionModels {

    public static void main(String[] args) throws Exception {
        byte[] body = Files.readAllBytes(Path.of(args[0]));
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 5;
        ObjectMapper json = new ObjectMapper();
        AdmissionReader records = new AdmissionReader(json);
        Function<byte[], List<String>> ours = bytes -> records.read(bytes).containers().stream()
                .map(ReviewRequest.Container::image).toList();
        Function<byte[], List<String>> fabric8 = bytes -> {
            try {
                AdmissionReview review = json.readValue(bytes, AdmissionReview.class);
                PodSpec spec = ((Deployment) review.getRequest().getObject()).getSpec().getTemplate().getSpec();
                List<String> images = new ArrayList<>();
                spec.getContainers().stream().map(Container::getImage).forEach(images::add);
                spec.getInitContainers().stream().map(Container::getImage).forEach(images::add);
                return images;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        if (!ours.apply(body).equals(fabric8.apply(body))) {
            throw new IllegalStateException("the two models read different images: " + ours.apply(body) + " " + fabric8.apply(body));
        }
        System.out.printf("body %d bytes, images %s%n", body.length, ours.apply(body));
        run("records", ours, body, seconds * 4);
        run("fabric8", fabric8, body, seconds * 4);
        List<double[]> recordsRounds = new ArrayList<>();
        List<double[]> fabric8Rounds = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            recordsRounds.add(run(null, ours, body, seconds));
            fabric8Rounds.add(run(null, fabric8, body, seconds));
        }
        System.out.println("| model (median of 5 interleaved rounds) | us per read | bytes allocated per read |");
        System.out.println("|---|---|---|");
        System.out.printf("| small records (AdmissionReader) | %.1f | %.0f |%n", median(recordsRounds, 0), median(recordsRounds, 1));
        System.out.printf("| fabric8 kubernetes-model-admissionregistration 7.9.0 | %.1f | %.0f |%n", median(fabric8Rounds, 0), median(fabric8Rounds, 1));
    }

    /** Reads the body for this many seconds on one thread: microseconds and bytes allocated per read. */
    static double[] run(String warmUp, Function<byte[], List<String>> reader, byte[] body, long seconds) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        long started = System.nanoTime();
        long deadline = started + seconds * 1_000_000_000L;
        long reads = 0;
        int sink = 0;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 100; i++) {
                sink += reader.apply(body).size();
            }
            reads += 100;
        }
        double micros = (System.nanoTime() - started) / 1e3 / reads;
        double bytes = (double) (threads.getCurrentThreadAllocatedBytes() - allocatedBefore) / reads;
        if (warmUp != null) {
            System.out.printf("warm-up %s: %.1f us, %.0f bytes per read (%d)%n", warmUp, micros, bytes, sink);
        }
        return new double[] {micros, bytes};
    }

    static double median(List<double[]> rounds, int column) {
        double[] values = rounds.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return values[values.length / 2];
    }
}
