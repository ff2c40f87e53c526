<?php
/**
 * Plugin Name: Restart Registry
 * Description: The restart-registry post type, its REST meta, the registry_user role, the invitee read rule and the privacy of invitees and recipients that the Restart Registry API relies on.
 * Version:     1.2.0
 *
 * A must-use plugin: copy this file into wp-content/mu-plugins/ (see docs/wordpress.md).
 */

defined( 'ABSPATH' ) || exit;

// Bump when the roles or capabilities below change, so that every site updates them once.
const RESTART_REGISTRY_CAPS_VERSION = '1';

// capability_type restart_registry/restart_registries gives the post type its own capabilities,
// so that ordinary users can manage registries without being able to write blog posts.
const RESTART_REGISTRY_OWN_CAPS = array(
	'edit_restart_registries',
	'publish_restart_registries',
	'edit_published_restart_registries',
	'delete_restart_registries',
	'delete_published_restart_registries',
);
// Every key the plugin registers and the REST API answers.
const RESTART_REGISTRY_META_KEYS = array(
	'restart_invitees',
	'restart_item_ids',
	'restart_event_type',
	'restart_event_date',
	'restart_is_for_self',
	'restart_recipient_name',
	'restart_recipient_relationship',
	'restart_recipient_email',
);
const RESTART_REGISTRY_OTHERS_CAPS = array(
	'edit_others_restart_registries',
	'delete_others_restart_registries',
	'read_private_restart_registries',
	'edit_private_restart_registries',
	'delete_private_restart_registries',
);

add_action( 'init', function () {
	register_post_type( 'restart-registry', array(
		'labels'          => array( 'name' => 'Registries', 'singular_name' => 'Registry' ),
		'public'          => true,
		'has_archive'     => 'registry',
		'rewrite'         => array( 'slug' => 'registry' ),
		'show_in_rest'    => true,
		'rest_base'       => 'restart-registry',
		'supports'        => array( 'title', 'editor', 'excerpt', 'custom-fields', 'author' ),
		'taxonomies'      => array( 'category', 'post_tag' ),
		'capability_type' => array( 'restart_registry', 'restart_registries' ),
		'map_meta_cap'    => true,
	) );

	// Every value is a string (lists are JSON text) so that REST rejects anything else with a 400
	// instead of storing a shape the API cannot read back.
	foreach ( RESTART_REGISTRY_META_KEYS as $key ) {
		register_post_meta( 'restart-registry', $key, array(
			'object_subtype' => 'restart-registry',
			'type'           => 'string',
			'single'         => true,
			'show_in_rest'   => true,
			'auth_callback'  => function ( $allowed, $meta_key, $post_id, $user_id ) {
				return user_can( $user_id, 'edit_post', $post_id );
			},
		) );
	}
} );

// Roles live in the database (add_cap persists), so only touch them when this file's version changes.
// wp_loaded: every plugin's post types are registered by then, which the rewrite flush needs.
add_action( 'wp_loaded', function () {
	if ( wp_installing() || get_option( 'restart_registry_caps_version' ) === RESTART_REGISTRY_CAPS_VERSION ) {
		return; // while WordPress itself is being installed, its tables do not exist yet
	}
	$user_role = get_role( 'registry_user' ) ?: add_role( 'registry_user', 'Registry user', array( 'read' => true ) );
	foreach ( RESTART_REGISTRY_OWN_CAPS as $cap ) {
		$user_role->add_cap( $cap );
	}
	// A custom capability type grants administrators nothing by itself.
	foreach ( array( 'administrator', 'editor' ) as $name ) {
		$role = get_role( $name );
		if ( ! $role ) {
			continue;
		}
		foreach ( array_merge( RESTART_REGISTRY_OWN_CAPS, RESTART_REGISTRY_OTHERS_CAPS ) as $cap ) {
			$role->add_cap( $cap );
		}
	}
	flush_rewrite_rules( false ); // so that /registry/ URLs work without visiting Settings > Permalinks
	update_option( 'restart_registry_caps_version', RESTART_REGISTRY_CAPS_VERSION, true );
} );

/**
 * Whether the registry's restart_invitees (a JSON list) names the user. An entry containing "@" is
 * an e-mail address and matches the user's e-mail, in any letter case, and nothing else; any other
 * entry matches the user's login, exactly. Never the slug (user_nicename): every user may change
 * their own, so matching it would let anyone claim an invitation. Logins cannot be changed, and
 * users cannot change their own e-mail through the REST API or XML-RPC (below).
 */
function restart_registry_invites( $post_id, $user ) {
	if ( ! $user || ! $user->exists() ) {
		return false;
	}
	$invitees = json_decode( (string) get_post_meta( $post_id, 'restart_invitees', true ), true );
	if ( ! is_array( $invitees ) ) {
		return false;
	}
	foreach ( $invitees as $invitee ) {
		if ( ! is_scalar( $invitee ) || '' === (string) $invitee ) {
			continue;
		}
		$invitee = (string) $invitee;
		$matches = false !== strpos( $invitee, '@' )
			? '' !== $user->user_email && 0 === strcasecmp( $invitee, $user->user_email )
			: $invitee === $user->user_login;
		if ( $matches ) {
			return true;
		}
	}
	return false;
}

// Core lets only the author and holders of read_private_restart_registries read a private registry.
// Invitees hold neither, so grant them read_post on a private registry that invites them. Other
// statuses (draft, pending, future) stay with those who may edit the registry.
add_filter( 'map_meta_cap', function ( $caps, $cap, $user_id, $args ) {
	if ( 'read_post' !== $cap || ! $user_id || empty( $args[0] ) ) {
		return $caps;
	}
	$post = get_post( $args[0] );
	if ( ! $post || 'restart-registry' !== $post->post_type || 'private' !== $post->post_status ) {
		return $caps;
	}
	return restart_registry_invites( $post->ID, get_userdata( $user_id ) ) ? array( 'read' ) : $caps;
}, 10, 4 );

/**
 * Whether WordPress withholds the registry's content from the current caller because of its post
 * password: the caller is not its author, may not edit it, sent no right `password` request
 * parameter (as WordPress's REST API takes it for `content`) and holds no post-password cookie.
 */
function restart_registry_password_withholds( $post, $request ) {
	if ( '' === (string) $post->post_password ) {
		return false;
	}
	$user_id = get_current_user_id();
	if ( ( $user_id && (int) $post->post_author === $user_id ) || current_user_can( 'edit_post', $post->ID ) ) {
		return false;
	}
	$password = $request instanceof WP_REST_Request ? $request['password'] : null;
	if ( is_string( $password ) && '' !== $password && hash_equals( $post->post_password, $password ) ) {
		return false;
	}
	return post_password_required( $post ); // false with the cookie of the site's password form
}

// Who is invited, and the recipient's e-mail, are private even on a published registry: the REST
// API answers restart_invitees only to those who may edit the registry and to its invitees, and
// restart_recipient_email only to those who may edit it. Everyone else, anonymous visitors
// included, gets "" in every context, in single reads and in lists (each post of a list passes
// through this filter). The Restart Registry API relies on it: a non-empty restart_invitees in
// WordPress's answer to a caller means the caller may see who is invited. On a password-protected
// registry, every key is "" for those WordPress withholds the content from (above). Keyed on the
// post type, not on a route: every spelling of a route, and internal requests, pass through it.
add_filter( 'rest_prepare_restart-registry', function ( $response, $post, $request ) {
	$data = $response->get_data();
	if ( empty( $data['meta'] ) || ! is_array( $data['meta'] ) ) {
		return $response;
	}
	if ( restart_registry_password_withholds( $post, $request ) ) {
		$hidden = RESTART_REGISTRY_META_KEYS;
	} elseif ( current_user_can( 'edit_post', $post->ID ) ) {
		return $response;
	} else {
		$hidden = array( 'restart_recipient_email' );
		if ( ! restart_registry_invites( $post->ID, wp_get_current_user() ) ) {
			$hidden[] = 'restart_invitees';
		}
	}
	foreach ( $hidden as $key ) {
		if ( array_key_exists( $key, $data['meta'] ) ) {
			$data['meta'][ $key ] = '';
		}
	}
	$response->set_data( $data );
	return $response;
}, 10, 3 );

/**
 * Whether an e-mail change was just refused (below); `$refuse` records one, and asking consumes it.
 */
function restart_registry_email_refused( $refuse = false ) {
	static $pending = false;
	$was     = $pending;
	$pending = $refuse;
	return $was;
}

// WordPress's profile screen confirms a new e-mail address by mail before it takes effect; the REST
// API changes it at once, and a plugin's XML-RPC method might too. Invitations by e-mail would then
// be anyone's to take (set your e-mail to the invited address, read the registry), including
// addresses invited before their owner has an account. So in a REST or XML-RPC request, only those
// who may edit users (administrators) change an e-mail address, anyone's. It is checked where the
// user is written, not on the route: WordPress matches routes case-insensitively, and method
// overrides, batches and plugins' own routes reach the same write. The profile screen's confirmed
// change is neither REST nor XML-RPC, and goes through.
add_filter( 'wp_pre_insert_user_data', function ( $data, $update, $user_id ) {
	$api = ( defined( 'REST_REQUEST' ) && REST_REQUEST ) || ( defined( 'XMLRPC_REQUEST' ) && XMLRPC_REQUEST );
	if ( ! $update || ! $api || ! is_array( $data ) || ! isset( $data['user_email'] ) || current_user_can( 'edit_users' ) ) {
		return $data;
	}
	$old = get_userdata( $user_id );
	if ( ! $old || 0 === strcasecmp( (string) $data['user_email'], $old->user_email ) ) {
		return $data; // the same address, in any letter case
	}
	restart_registry_email_refused( true );
	return array(); // wp_insert_user() then writes nothing and returns its "empty_data" error
}, PHP_INT_MAX, 3 );

// Give that error a code, a status and a message the caller can act on.
add_action( 'wp_error_added', function ( $code, $message, $data, $error ) {
	if ( 'empty_data' !== $code || ! restart_registry_email_refused() ) {
		return;
	}
	$error->remove( 'empty_data' );
	$error->add(
		'rest_cannot_edit_email',
		'Change your e-mail address on your profile screen, which confirms the new address by e-mail.',
		array( 'status' => 403 )
	);
}, 10, 4 );
