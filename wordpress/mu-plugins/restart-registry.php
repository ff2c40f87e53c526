<?php
/**
 * Plugin Name: Restart Registry
 * Description: The restart-registry post type, its REST meta, the registry_user role and the invitee read rule that the Restart Registry API relies on.
 * Version:     1.0.0
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
	foreach ( array(
		'restart_invitees',
		'restart_item_ids',
		'restart_event_type',
		'restart_event_date',
		'restart_is_for_self',
		'restart_recipient_name',
		'restart_recipient_relationship',
		'restart_recipient_email',
	) as $key ) {
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

// Core lets only the author and holders of read_private_restart_registries read a private registry.
// Invitees hold neither, so grant them read_post when restart_invitees (JSON list) names them by
// login, slug (what the API's older invitee lists hold) or e-mail (case-insensitive).
add_filter( 'map_meta_cap', function ( $caps, $cap, $user_id, $args ) {
	if ( 'read_post' !== $cap || ! $user_id || empty( $args[0] ) ) {
		return $caps;
	}
	$post = get_post( $args[0] );
	if ( ! $post || 'restart-registry' !== $post->post_type || 'private' !== $post->post_status ) {
		return $caps;
	}
	$user     = get_userdata( $user_id );
	$invitees = json_decode( (string) get_post_meta( $post->ID, 'restart_invitees', true ), true );
	if ( ! $user || ! is_array( $invitees ) ) {
		return $caps;
	}
	foreach ( $invitees as $invitee ) {
		if ( ! is_scalar( $invitee ) || '' === (string) $invitee ) {
			continue;
		}
		$invitee = (string) $invitee;
		if ( $invitee === $user->user_login || $invitee === $user->user_nicename
			|| 0 === strcasecmp( $invitee, $user->user_email ) ) {
			return array( 'read' );
		}
	}
	return $caps;
}, 10, 4 );
