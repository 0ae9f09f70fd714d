package dev.imagegate.signature;

import dev.imagegate.tags.CraneCommand;
import dev.imagegate.scan.trivy.TrivyCommand;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The argument lists and environment ImageGate gives cosign. It reaches registries as crane does (trivy's
 * environment without trivy's secrets, crane's docker config, TRIVY_INSECURE), and always verifies the digest
 * the tag was pinned to, never the tag: a tag moved between the lookup and the check cannot swap the image.
 */
@Component
public class CosignCommand {

    private final CraneCommand crane;
    private final KeyFiles keyFiles;
    private final boolean insecure;

    public CosignCommand(CraneCommand crane, TrivyCommand trivy, KeyFiles keyFiles) {
        this.crane = crane;
        this.keyFiles = keyFiles;
        this.insecure = Boolean.parseBoolean(trivy.environment(System.getenv()).getOrDefault("TRIVY_INSECURE", "false"));
    }

    /**
     * {@code cosign verify --key FILE REPOSITORY@DIGEST}. With {@code transparencyLog: ignore}, the key alone is
     * checked, against a trusted root that trusts nothing else: without {@code --trusted-root} cosign v2 fetches
     * Sigstore's {@code trusted_root.json} from its TUF CDN even with {@code --insecure-ignore-tlog}
     * ({@code --offline} does not stop it) and waits for it when the connection hangs.
     */
    public List<String> verifyArguments(CosignRun run) {
        if (!run.image().isDigestPinned()) {
            throw new IllegalArgumentException("cosign verifies a digest, not the tag " + run.image().original());
        }
        List<String> args = new ArrayList<>(List.of("verify", "--key", keyFiles.of(run.key()).toString()));
        if (run.transparencyLog() == TransparencyLog.IGNORE) {
            args.addAll(List.of("--insecure-ignore-tlog=true", "--trusted-root", keyFiles.trustedRoot().toString()));
        }
        if (insecure) {
            args.addAll(List.of("--allow-insecure-registry", "--allow-http-registry"));
        }
        args.add(run.image().byDigest());
        return args;
    }

    /**
     * crane's environment (trivy's without its secrets, crane's docker config), and the operator's
     * {@code SIGSTORE_*} and {@code TUF_ROOT} settings for a private Sigstore when the log is required.
     */
    public Map<String, String> environment(Map<String, String> parent) {
        Map<String, String> env = new LinkedHashMap<>(crane.environment(parent));
        parent.forEach((name, value) -> {
            if (name.startsWith("SIGSTORE_") || name.equals("TUF_ROOT")) {
                env.put(name, value);
            }
        });
        return env;
    }
}
