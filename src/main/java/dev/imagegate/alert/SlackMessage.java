package dev.imagegate.alert;

/**
 * The body of a Slack incoming webhook call: the alert's text, and the channel, which webhooks created
 * before Slack apps honour and app webhooks ignore (they post to the channel they were made for).
 */
public record SlackMessage(String channel, String text) {

    public static SlackMessage of(Alert alert, String channel) {
        return new SlackMessage(channel, alert.text());
    }
}
