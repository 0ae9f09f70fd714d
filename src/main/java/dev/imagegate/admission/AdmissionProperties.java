package dev.imagegate.admission;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The dynamic admission webhooks' door ({@code imagegate.admission.*}).
 *
 * @param port       a port that serves only {@code /validate} and {@code /mutate} (the review port serves them
 *                   too, with the review port's mutual TLS)
 * @param clientAuth whether that port asks the API server for a client certificate: it presents one to a
 *                   dynamic webhook only when its own admission configuration names a kubeconfig for it, a
 *                   control-plane file that managed clusters do not let users set
 * @param pin        which objects {@code /mutate} pins to the digests that were judged
 */
@ConfigurationProperties("imagegate.admission")
public record AdmissionProperties(int port, ClientAuth clientAuth, Pin pin) {

    public enum ClientAuth { NONE, WANT, NEED }

    /**
     * {@code PODS}: what runs is pinned and workload templates stay as written, so GitOps tools see no drift;
     * {@code PODS_AND_TEMPLATES}: templates too (every re-push of a tag then rolls a Deployment).
     */
    public enum Pin { PODS, NONE, PODS_AND_TEMPLATES }
}
