package dev.imagegate.policy;

import dev.imagegate.image.ImageReference;
import dev.imagegate.scan.report.Finding;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A vulnerability the policy tolerates until {@code expires} (inclusive, UTC), optionally only in some
 * images and namespaces. An expired exception stops applying by itself.
 *
 * @param id         the vulnerability ID, e.g. CVE-2023-1234
 * @param images     patterns the exception is limited to; empty means every image
 * @param namespaces namespaces the exception is limited to; empty means every namespace
 * @param reason     why, usually a ticket: shown in reasons and audit annotations
 */
public record ExceptionRule(String id, List<ImagePattern> images, List<String> namespaces, LocalDate expires,
                            String reason) {

    private static final Pattern DESCRIBED = Pattern.compile("\\S+ excepted until (\\d{4}-\\d{2}-\\d{2}) ");

    public ExceptionRule {
        images = List.copyOf(images);
        namespaces = List.copyOf(namespaces);
    }

    public boolean covers(Finding finding, ImageReference image, String namespace, LocalDate today) {
        return finding.vulnerabilityId().equals(id)
                && !today.isAfter(expires)
                && (images.isEmpty() || images.stream().anyMatch(pattern -> pattern.matches(image)))
                && (namespaces.isEmpty() || namespaces.contains(namespace));
    }

    /** "CVE-2023-1234 excepted until 2027-01-31 (JIRA-42)". */
    public String describe() {
        return id + " excepted until " + expires + " (" + reason + ")";
    }

    /** The end date of an exception as {@link #describe()} wrote it in a verdict, if that is what the text is. */
    public static Optional<LocalDate> expiresIn(String description) {
        Matcher described = DESCRIBED.matcher(description);
        try {
            return described.lookingAt() ? Optional.of(LocalDate.parse(described.group(1))) : Optional.empty();
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
