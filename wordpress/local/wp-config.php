<?php
// scripts/wordpress.sh copies this file into the docroot on every start; the values that differ
// per instance come from the state dir's generated local-config.php (a file, not getenv(): the
// php -S workers keep the environment of the start that launched them).
$rrwp = require __DIR__ . '/../local-config.php';

define('DB_NAME', 'wordpress');
define('DB_USER', 'wp');
define('DB_PASSWORD', $rrwp['db_password']);
define('DB_HOST', 'localhost:' . $rrwp['db_socket']);
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
$table_prefix = 'wp_';
require __DIR__ . '/../salts.php';

define('WP_HOME', $rrwp['url']);
define('WP_SITEURL', $rrwp['url']);
unset($rrwp);
// Core allows application passwords only over https or when the environment type is 'local'.
define('WP_ENVIRONMENT_TYPE', 'local');

define('WP_DEBUG', true);
define('WP_DEBUG_DISPLAY', false);          // notices would break JSON responses
define('WP_DEBUG_LOG', __DIR__ . '/../debug.log');
@ini_set('display_errors', '0');

define('DISABLE_WP_CRON', true);            // no loopback request on every page load
define('WP_HTTP_BLOCK_EXTERNAL', true);     // no update checks: there is no internet
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISALLOW_FILE_MODS', true);

if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
