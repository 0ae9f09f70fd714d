package dev.imagegate.policy;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where the policy file is and how often it is checked for changes ({@code imagegate.policy.*}).
 *
 * @param file           the policy YAML; without it the built-in rule applies (deny at or above HIGH)
 * @param reloadInterval how often the file is read again; a changed file replaces the policy if it is valid
 */
@ConfigurationProperties("imagegate.policy")
public record PolicyProperties(Path file, Duration reloadInterval) {
}
